// Kafka health probe for infra/local: sends one real Metadata request (API key 3,
// version 1) over the wire and succeeds only if the broker lists itself and a
// controller. An open port is not enough: a KRaft node accepts connections some
// time before it can serve clients. Node is used instead of Kafka's own
// BrokerApiVersionsCommand because a JVM start costs seconds per poll.
//
// usage: node probe.mjs HOST PORT [TIMEOUT_MS] [MIN_BROKERS]   -> prints "brokers=1 controller=1 topics=N"
// MIN_BROKERS (default 1): a node of the 3-broker cluster is healthy only once it lists all three.
/* global process, console, Buffer, setTimeout, clearTimeout */
import net from 'node:net';

const [host = '127.0.0.1', portArg = '9092', timeoutArg = '3000', minBrokersArg = '1'] = process.argv.slice(2);
const minBrokers = Number(minBrokersArg);
const port = Number(portArg);
const timeoutMs = Number(timeoutArg);

function metadataRequest() {
  const clientId = Buffer.from('cb-infra-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let o = 0;
  o = body.writeInt16BE(3, o); // api_key: Metadata
  o = body.writeInt16BE(1, o); // api_version 1 (every broker since 0.10 speaks it)
  o = body.writeInt32BE(1, o); // correlation_id
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  body.writeInt32BE(-1, o); // topics: null = all topics
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

function parse(buf) {
  let o = 4; // skip correlation_id
  const brokers = buf.readInt32BE(o);
  o += 4;
  for (let i = 0; i < brokers; i++) {
    o += 4; // node_id
    o += 2 + buf.readInt16BE(o); // host
    o += 4; // port
    const rack = buf.readInt16BE(o);
    o += 2 + (rack > 0 ? rack : 0);
  }
  const controller = buf.readInt32BE(o);
  o += 4;
  const topics = buf.readInt32BE(o);
  return { brokers, controller, topics };
}

function fail(msg) {
  console.error(`kafka probe: ${msg}`);
  process.exit(1);
}

const timer = setTimeout(() => fail(`no answer from ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
const sock = net.connect({ host, port }, () => sock.write(metadataRequest()));
let data = Buffer.alloc(0);
sock.on('data', (chunk) => {
  data = Buffer.concat([data, chunk]);
  if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
  clearTimeout(timer);
  sock.destroy();
  let m;
  try {
    m = parse(data.subarray(4));
  } catch (e) {
    fail(`unreadable Metadata response (${e.message})`);
  }
  if (m.brokers < minBrokers || m.controller < 0) fail(`not ready (brokers=${m.brokers} controller=${m.controller})`);
  console.log(`brokers=${m.brokers} controller=${m.controller} topics=${m.topics}`);
  process.exit(0);
});
sock.on('error', (e) => {
  clearTimeout(timer);
  fail(e.code ?? e.message);
});
sock.on('close', () => fail('connection closed before a full response'));
