import { createServer } from 'node:http';
import { CallboardError } from '@callboard/errors';
import { numberOption, parseCommandArgs, type Command } from '../command.js';

export const webhookCommand: Command = {
  name: 'webhook',
  summary: 'a local webhook receiver that prints alert notifications (for trying routes)',
  usage: `callboard webhook listen [--port 9402]

Listens on 127.0.0.1 and prints every POST it receives as one JSON line:
{"receivedAt","idempotencyKey","body"}. Repeated idempotency keys are marked
"duplicate": true, as a receiver honouring the header would drop them. The
default rules' route points here, so the demo's pages show up in its log.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('webhook', argv, { port: { type: 'string' } }, true);
    if (values.help || positionals[0] === undefined) {
      process.stdout.write(`${this.usage}\n`);
      return values.help ? 0 : 2;
    }
    if (positionals[0] !== 'listen') throw new CallboardError('CB_USAGE', 'webhook: usage is webhook listen [--port N]');
    const port = numberOption('webhook', 'port', values.port, { min: 1, max: 65535, integer: true }) ?? 9402;
    const seen = new Set<string>();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const key = String(req.headers['idempotency-key'] ?? '');
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        process.stdout.write(`${JSON.stringify({ receivedAt: new Date().toISOString(), idempotencyKey: key, ...(seen.has(key) ? { duplicate: true } : {}), body })}\n`);
        seen.add(key);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    process.stderr.write(`webhook: listening on http://127.0.0.1:${port}/\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
