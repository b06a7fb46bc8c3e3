/**
 * Decode micro-benchmark (issue 9 item 5, cheaper decode): the old and the new path of
 * `EventCodec.decodeEvent` side by side in one process, over the same wire-format records.
 *
 *   npx tsx test/bench/decode/run.ts [--events 50000] [--rounds 5] [--seed 20250101]
 *
 * - old: `decodeEventReference`, the path before the change (every record through the registry
 *   client with the unknown-id retry wrapper, `fromAvroReference`, zod alone);
 * - new: `decodeEvent` (Avro type kept by schema id, `fromAvro`, the compiled contract parser);
 * - guard: the Avro guard alone (`avroBodyRefusal`, packages/events/src/avro-guard.ts), the walk over
 *   each body that both paths make before avsc reads it, so its share of the new path shows apart.
 *
 * The records are the simulator's shipped traffic with a flat profile, as in test/bench/aggregator, encoded once through the real Schema Registry
 * (infra/local) under a fresh subject prefix, deleted at the end. Each round decodes every record once
 * per path, one `await` per record as the event consumer does, alternating old and new so that load
 * from others on the shared machine hits both; records/s is wall time, CPU is this process's user +
 * system time (garbage collection included).
 * Not a vitest test: vitest.config.ts excludes test/bench/**.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { CallboardError } from '@callboard/errors';
import { createSchemaRegistry, createTopology, EventCodec, valueSubject, type ValidationResult } from '@callboard/events';
import { DEFAULT_CONFIG_PATH, loadSimulatorConfig, simulate } from '@callboard/simulator';
import { avroBodyRefusal } from '../../../packages/events/src/avro-guard.js';
import { infra, uniquePrefix } from '../../helpers/infra.js';

interface Args {
  events: number;
  rounds: number;
  seed: number;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string' }, rounds: { type: 'string' }, seed: { type: 'string' } } });
  const count = (flag: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new CallboardError('CB_USAGE', `--${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
    return n;
  };
  return { events: count('events', values.events, 50_000), rounds: count('rounds', values.rounds, 5), seed: count('seed', values.seed, 20_250_101) };
}

type Decode = (buffer: Buffer) => Promise<Pick<ValidationResult, 'ok'>>;

interface Sample {
  recordsPerS: number;
  cpuUsPerRecord: number;
}

async function round(buffers: Buffer[], decode: Decode): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let ok = 0;
  for (const b of buffers) if ((await decode(b)).ok) ok += 1;
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (ok !== buffers.length) throw new CallboardError('CB_INPUT_INVALID', `only ${ok} of ${buffers.length} records decoded`);
  return { recordsPerS: buffers.length / wallS, cpuUsPerRecord: (used.user + used.system) / buffers.length };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const topology = createTopology(uniquePrefix('decode-bench'));
  const codec = new EventCodec(createSchemaRegistry(infra.registryUrl), { topology });
  try {
    await codec.register(topology.callEvents.name, 'call-event');
    await codec.register(topology.agentEvents.name, 'agent-event');
    // The aggregator bench's traffic: the shipped config with a flat profile (about 42 % agent events).
    const loaded = await loadSimulatorConfig(DEFAULT_CONFIG_PATH);
    const config = { ...loaded, tenants: loaded.tenants.map((t) => ({ ...t, profile: 'flat' as const, weekendFactor: 1 })) };
    const buffers: Buffer[] = [];
    let agentEvents = 0;
    for (const event of simulate({ config, seed: args.seed, start: Date.UTC(2026, 0, 5), durationMs: Infinity })) {
      buffers.push((await codec.encodeEvent(event)).value);
      if (event.type === 'agent.state_changed') agentEvents += 1;
      if (buffers.length >= args.events) break;
    }
    const avgBytes = buffers.reduce((n, b) => n + b.length, 0) / buffers.length;

    // Both paths give the same result on every record (the vitest equivalence test covers refusals too).
    let differ = 0;
    for (const b of buffers) if (!isDeepStrictEqual(await codec.decodeEventReference(b), await codec.decodeEvent(b))) differ += 1;
    if (differ > 0) throw new CallboardError('CB_INPUT_INVALID', `${differ} records decode differently on the two paths`);

    type AvroType = Parameters<typeof avroBodyRefusal>[0];
    const types = new Map<number, AvroType>();
    for (const b of buffers) {
      const id = b.readInt32BE(1);
      if (!types.has(id)) types.set(id, (await codec.registry.getSchema(id)) as AvroType);
    }
    const paths: [string, Decode][] = [
      ['old', (b) => codec.decodeEventReference(b)],
      ['new', (b) => codec.decodeEvent(b)],
      ['guard', async (b) => ({ ok: avroBodyRefusal(types.get(b.readInt32BE(1))!, b.subarray(5)) === undefined })],
    ];
    console.log(`decode bench: ${fmt(buffers.length)} records (${fmt(agentEvents)} agent events), ${fmt(avgBytes, 1)} B average, seed ${args.seed}, ${args.rounds} rounds per path`);
    const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'packages/events').split('\n').filter(Boolean).length;
    console.log(`commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? `, ${dirty} uncommitted files in packages/events` : ', packages/events as committed'}`);
    console.log(`node ${process.version}, ${cpus().length} cores, load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('all records decode to equal results on both paths');
    for (const [, decode] of paths) await round(buffers, decode); // warm-up, not reported
    const samples = new Map<string, Sample[]>(paths.map(([name]) => [name, []]));
    console.log('\nround  path    records/s   CPU us/record');
    for (let r = 1; r <= args.rounds; r += 1) {
      for (const [name, decode] of r % 2 ? paths : [...paths].reverse()) {
        const s = await round(buffers, decode);
        samples.get(name)!.push(s);
        console.log(`${String(r).padStart(5)}  ${name.padEnd(5)}${fmt(s.recordsPerS).padStart(11)} ${fmt(s.cpuUsPerRecord, 2).padStart(15)}`);
      }
    }
    console.log('\nmedian of the rounds');
    const med = (name: string, key: keyof Sample) => median(samples.get(name)!.map((s) => s[key]));
    for (const [name] of paths) {
      console.log(`${name.padEnd(5)}${fmt(med(name, 'recordsPerS')).padStart(11)} records/s ${fmt(med(name, 'cpuUsPerRecord'), 2).padStart(8)} CPU us/record`);
    }
    console.log(`old / new: ${(med('old', 'cpuUsPerRecord') / med('new', 'cpuUsPerRecord')).toFixed(2)}x CPU per record, ${(med('new', 'recordsPerS') / med('old', 'recordsPerS')).toFixed(2)}x records/s`);
    console.log(`guard / new: ${((100 * med('guard', 'cpuUsPerRecord')) / med('new', 'cpuUsPerRecord')).toFixed(1)} % of the new path's CPU per record (the guard alone, one await per record as the others)`);
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    for (const topic of [topology.callEvents.name, topology.agentEvents.name]) {
      await fetch(`${infra.registryUrl}/subjects/${encodeURIComponent(valueSubject(topic))}`, { method: 'DELETE' }).catch(() => undefined);
    }
  }
}

await main();
