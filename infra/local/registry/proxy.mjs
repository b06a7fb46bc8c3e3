// Serves Apicurio Registry's Confluent-compatible API at the root of
// CB_REGISTRY_PORT, as Confluent's own Schema Registry does (GET /subjects, ...).
// Apicurio only offers it under /apis/ccompat/v7, and Quarkus fixes its paths at
// build time, so without this the registry URL would differ between the local
// and the Docker setups. It is a plain pass-through: no caching, no rewriting
// of bodies. /apis/*, /ui* and /health* go to Apicurio unchanged.
//
// usage: node proxy.mjs LISTEN_PORT BACKEND_PORT [CB_HOME]
// (CB_HOME is only there so that cb-infra can tell its own process apart.)
/* global process, console */
import http from 'node:http';

const [listenPort, backendPort] = process.argv.slice(2).map(Number);
if (!listenPort || !backendPort) {
  console.error('usage: node proxy.mjs LISTEN_PORT BACKEND_PORT [CB_HOME]');
  process.exit(2);
}
const HOST = '127.0.0.1';
const PREFIX = '/apis/ccompat/v7';
const PASS_THROUGH = /^\/(apis|ui|health)(\/|$|\?)/;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
  const path = PASS_THROUGH.test(req.url) ? req.url : PREFIX + req.url;
  const upstream = http.request(
    { host: HOST, port: backendPort, method: req.method, path, headers: req.headers, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', (e) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Same error shape as the Confluent API so clients report something readable.
    res.writeHead(502, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify({ error_code: 50201, message: `registry backend unavailable: ${e.code ?? e.message}` }));
  });
  req.pipe(upstream);
});

server.keepAliveTimeout = 65_000;
server.on('error', (e) => {
  console.error(`registry proxy: ${e.message}`);
  process.exit(1);
});
server.listen(listenPort, HOST, () => {
  console.log(`registry proxy: http://${HOST}:${listenPort}/ -> http://${HOST}:${backendPort}${PREFIX}/`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
