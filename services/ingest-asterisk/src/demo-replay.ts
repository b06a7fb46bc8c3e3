/**
 * The demo's PBX (scripts/run.sh): appends a queue_log sample to a file, line by line at the time
 * each line says, rebased so the sample starts `--backfill-minutes` ago, and again and again with
 * later times (and so other uniqueids) when it ends. The Asterisk adapter tails that file like a
 * real one. A file left by an earlier run is rotated away first (renamed to `<file>.1`), as
 * logrotate would.
 *
 *   node --import tsx services/ingest-asterisk/src/demo-replay.ts --sample FILE --out FILE [--backfill-minutes 10]
 */
import { appendFile, mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { epochOfLine, rebaseQueueLogLine } from './queue-log-rebase.js';

const { values } = parseArgs({ options: { sample: { type: 'string' }, out: { type: 'string' }, 'backfill-minutes': { type: 'string', default: '10' } } });
if (!values.sample || !values.out) {
  process.stderr.write('usage: demo-replay.ts --sample FILE --out FILE [--backfill-minutes N]\n');
  process.exit(2);
}
const out = values.out;
const lines = (await readFile(values.sample, 'utf8')).split('\n').filter((l) => l.trim() !== '');
const first = epochOfLine(lines[0] ?? '') ?? 0;
const last = epochOfLine(lines.at(-1) ?? '') ?? first;

await mkdir(dirname(out), { recursive: true });
await rename(out, `${out}.1`).catch(() => undefined);
await appendFile(out, '');

let stopped = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (stopped = true));

const nowSec = () => Math.floor(Date.now() / 1000);
let start = nowSec() - Number(values['backfill-minutes']) * 60;
for (let pass = 1; !stopped; pass += 1) {
  const shift = start - first;
  process.stdout.write(`pass ${pass}: ${lines.length} lines from ${new Date(start * 1000).toISOString()}\n`);
  let pending: string[] = [];
  for (const raw of lines) {
    if (stopped) break;
    const at = (epochOfLine(raw) ?? first) + shift;
    if (at > nowSec()) {
      if (pending.length > 0) await appendFile(out, pending.join(''));
      pending = [];
      // Its own pace: the next line is written when the wall clock reaches its time.
      while (!stopped && at > nowSec()) await new Promise((r) => setTimeout(r, Math.min(1000, at * 1000 - Date.now())));
    }
    pending.push(`${rebaseQueueLogLine(raw, shift)}\n`);
  }
  if (pending.length > 0) await appendFile(out, pending.join(''));
  start += last - first + 60;
}
