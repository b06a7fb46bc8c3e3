/**
 * Where the Redis time of apply-queue.lua (one call per queue of a partition batch) goes (a diagnostic beside the benchmark, not part of it).
 * Simulated events are cut into partition batches of the size the bench sees, encoded by the real
 * WindowStore, and replayed one batch at a time against the shipped script and against copies of it
 * with one part taken out, on an empty namespace each time. The differences say what each part costs.
 *
 *   npx tsx test/bench/aggregator/lua-breakdown.ts [--events 200000] [--batch 5400] [--private]
 *
 * `--private` replays against a redis-server of its own (Debian's, on a unix socket in a temporary
 * folder) instead of the shared one, so other users of the shared Redis do not land in its CPU figure.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CallboardError } from '@callboard/errors';
import { formatJsonLine, isAgentEvent, isCallEvent, type CanonicalEvent } from '@callboard/events';
import { DEFAULT_CONFIG_PATH, loadSimulatorConfig, simulate } from '@callboard/simulator';
import { WindowStore } from '@callboard/windows';
import { infra, testLogger } from '../../helpers/infra.js';
import { createRedis, readScript } from '@callboard/runtime';
import { Redis } from 'ioredis';
import { queueConfig } from '../../helpers/pipeline.js';
import { deleteNamespace } from './redis-memory.js';

const { values } = parseArgs({ args: process.argv.slice(2), options: { events: { type: 'string' }, batch: { type: 'string' }, private: { type: 'boolean', default: false } } });
const total = Number(values.events ?? 200_000);
const batchSize = Number(values.batch ?? 5400);
const PARTITIONS = 6;

const SCRIPT = readScript(new URL('../../../packages/windows/src/commands/', import.meta.url), 'apply-queue.lua');

function variant(name: string, edits: [string, string][]): { name: string; lua: string } {
  let lua = SCRIPT;
  for (const [from, to] of edits) {
    if (!lua.includes(from)) throw new CallboardError('CB_USAGE', `variant ${name}: the script no longer contains ${JSON.stringify(from)}`);
    lua = lua.replace(from, to);
  }
  return { name, lua };
}

const NOTHING = 'return { 0, 0, 0, 0, 0, 0, 0, 0 }';
const VARIANTS = [
  variant('shipped script', []),
  variant('decode the JSON argument only', [['local events = cjson.decode(ARGV[6])', `local events = cjson.decode(ARGV[6])\nif true then ${NOTHING} end`]]),
  variant('read and judge every event, write nothing', [['-- Every bucket a decision above needs', `if true then ${NOTHING} end\n-- Every bucket a decision above needs`]]),
  variant('without visit writes (HSET/EXPIRE v:, ZADD/ZREM waiting)', [['for _, callId in ipairs(visitOrder) do', 'for _, callId in ipairs({}) do']]),
  variant('without bucket writes (HINCRBY/HSET/EXPIRE f:, i:)', [
    ['for key, fields in pairs(sums) do', 'for key, fields in pairs({}) do'],
    ['for key, fields in pairs(maxes) do', 'for key, fields in pairs({}) do'],
    ['for key, ttl in pairs(ttls) do', 'for key, ttl in pairs({}) do'],
  ]),
];

function partitionOf(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % PARTITIONS;
}

const loaded = await loadSimulatorConfig(DEFAULT_CONFIG_PATH);
const config = { ...loaded, tenants: loaded.tenants.map((t) => ({ ...t, profile: 'flat' as const, weekendFactor: 1 })) };
const end = Date.now() - 3600_000;
const events: CanonicalEvent[] = [];
for (const e of simulate({ config, seed: 7, start: end - Math.ceil(total / 44_000) * 86_400_000, durationMs: Math.ceil(total / 44_000) * 86_400_000 })) {
  events.push(e);
  if (events.length >= total) break;
}
// Per topic and partition, in order, cut into batches: what a consumer hands the store.
const lanes = new Map<string, { offset: string; event: CanonicalEvent }[]>();
for (const event of events) {
  const topic = isCallEvent(event) ? 'calls' : 'agents';
  const lane = `${topic}:${partitionOf(isCallEvent(event) ? event.callId : isAgentEvent(event) ? event.agentId : event.eventId)}`;
  const list = lanes.get(lane) ?? [];
  list.push({ offset: String(list.length), event });
  lanes.set(lane, list);
}

const privateDir = values.private ? mkdtempSync(join(tmpdir(), 'cb-lua-breakdown-')) : undefined;
const server = privateDir ? spawn('redis-server', ['--port', '0', '--unixsocket', join(privateDir, 'redis.sock'), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }) : undefined;
const redis = privateDir ? new Redis({ path: join(privateDir, 'redis.sock'), lazyConnect: true, maxRetriesPerRequest: 1 }) : createRedis(infra.redisUrl, testLogger);
// Connection errors are thrown by the calls below; the event would only repeat them.
redis.on('error', () => undefined);
for (let attempt = 0; ; attempt += 1) {
  try {
    await redis.connect();
    break;
  } catch (err) {
    // A private server takes a moment to create its socket.
    if (!privateDir || attempt > 50) throw err;
    redis.disconnect();
    await new Promise((r) => setTimeout(r, 100));
  }
}
const namespace = `bench-lua-${randomBytes(3).toString('hex')}`;
const store = new WindowStore(redis, { namespace });
// Each queue call's arguments as the store builds them (numKeys, keys, ARGV); agent and index calls
// are answered without Redis: this measures the queue script only.
const captured: (string | number)[][] = [];
const stubbed = redis as unknown as Record<'cbApplyQueue' | 'cbApplyAgents' | 'cbTouchPartition', (...a: (string | number)[]) => Promise<unknown>>;
stubbed.cbApplyQueue = async (...args) => {
  // The last ARGV is the offset the store expects the queue to hold: none, for a replay on an empty namespace.
  captured.push([...args.slice(0, -1), '']);
  return [0, 0, 0, 0, 0, 0, 0, 0, -1];
};
stubbed.cbApplyAgents = async () => [0, 0, 0, 0, 0, 0, 0, 0, -1];
stubbed.cbTouchPartition = async () => 0;
/** Where ARGV[6], the events' JSON, sits in a captured call. */
const jsonAt = (args: (string | number)[]) => 1 + Number(args[0]) + 5;
const encodeBegan = performance.now();
for (const [lane, list] of lanes) {
  const [topic, partition] = lane.split(':') as [string, string];
  for (let i = 0; i < list.length; i += batchSize) {
    await store.applyBatch({ group: 'g', topic, partition: Number(partition), events: list.slice(i, i + batchSize), settingsFor: (t, q) => queueConfig.resolve(t, q), nowMs: Date.now() });
  }
}
const encodeMs = performance.now() - encodeBegan;
const withoutLate = captured.map((args) => {
  const at = jsonAt(args);
  const payload = (JSON.parse(String(args[at])) as Record<string, unknown>[]).map(({ late: _late, ...rest }) => rest);
  return [...args.slice(0, at), JSON.stringify(payload), ...args.slice(at + 1)];
});
// The Node side of the same arguments: the copy of each event kept for cc.late.v1, and the rest.
// Each timing is the best of three, so JIT warm-up does not land on whichever runs first.
function bestOf3(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const began = performance.now();
    fn();
    best = Math.min(best, performance.now() - began);
  }
  return best;
}
const lateMs = bestOf3(() => {
  for (const e of events) formatJsonLine(e).trimEnd();
});
const payloads = captured.map((args) => JSON.parse(String(args[jsonAt(args)])) as Record<string, unknown>[]);
const fullStringifyMs = bestOf3(() => {
  for (const p of payloads) JSON.stringify(p);
});
// Rebuilt, not `delete`d: deleting a property drops V8 objects into slow dictionary mode.
const leanPayloads = payloads.map((p) => p.map(({ late: _late, ...rest }) => rest));
const leanStringifyMs = bestOf3(() => {
  for (const p of leanPayloads) JSON.stringify(p);
});
const bytes = (set: (string | number)[][]) => set.reduce((n, a) => n + Buffer.byteLength(String(a[jsonAt(a)])), 0);

async function scriptUsec(): Promise<number> {
  const info = await redis.info('commandstats');
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=\d+,usec=(\d+)/gm)) usec += Number(m[1]);
  return usec;
}

/** The server's own CPU seconds (user + system), INFO cpu. */
async function serverCpuS(): Promise<number> {
  const info = await redis.info('cpu');
  const get = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/** Calls per command the server has run (scripts' own calls included), INFO commandstats. */
async function commandCalls(): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** The commands the script ran per event of the replay: the calls counted by the server, not timed, so the same in every run. */
let commandsPerEvent = '';

async function replay(lua: string, batches: (string | number)[][]): Promise<{ wallMs: number; luaMs: number; cpuMs: number }> {
  const sha = (await redis.script('LOAD', lua)) as string;
  await deleteNamespace(redis, namespace);
  const k0 = await commandCalls();
  const c0 = await serverCpuS();
  const u0 = await scriptUsec();
  const t0 = performance.now();
  for (const args of batches) await redis.evalsha(sha, ...(args as [number, ...(string | number)[]]));
  const wallMs = performance.now() - t0;
  const luaMs = ((await scriptUsec()) - u0) / 1000;
  const cpuMs = ((await serverCpuS()) - c0) * 1000;
  const k1 = await commandCalls();
  const ran = [...k1].map(([name, n]) => [name, n - (k0.get(name) ?? 0)] as const).filter(([name, n]) => n > 0 && !['info', 'evalsha', 'eval'].includes(name));
  const perEvent = (n: number) => (n / events.length).toFixed(2);
  commandsPerEvent = `${perEvent(ran.reduce((sum, [, n]) => sum + n, 0))} (${ran.sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${perEvent(n)}`).join(', ')})`;
  await deleteNamespace(redis, namespace);
  return { wallMs, luaMs, cpuMs };
}

const out = (s: string) => process.stdout.write(`${s}\n`);
out(`${events.length.toLocaleString('en-US')} events in partition batches of up to ${batchSize}: ${captured.length} queue calls; Node built the script arguments in ${encodeMs.toFixed(0)} ms (${((1000 * encodeMs) / events.length).toFixed(1)} us/event)`);
const us = (ms: number) => `${((1000 * ms) / events.length).toFixed(1)} us/event`;
out(`  of which: formatJsonLine for the late copy ${us(lateMs)}; JSON.stringify of the argument ${us(fullStringifyMs)} as shipped, ${us(leanStringifyMs)} without the late copy`);
out(`JSON argument: ${(bytes(captured) / events.length).toFixed(0)} B/event as shipped, ${(bytes(withoutLate) / events.length).toFixed(0)} B/event without the 'late' copy of each event`);
out(`${'variant'.padEnd(72)} ${'Lua in Redis'.padStart(14)} ${'per event'.padStart(10)} ${'call wall'.padStart(10)} ${'Redis CPU/event'.padStart(16)}`);
const runs: [string, string, (string | number)[][]][] = [];
for (const v of VARIANTS) runs.push([v.name, v.lua, captured]);
runs.push(['shipped script, payload without the late copy', SCRIPT, withoutLate]);
runs.push(['decode the JSON argument only, payload without the late copy', VARIANTS.find((v) => v.name === 'decode the JSON argument only')!.lua, withoutLate]);
for (const [name, lua, batches] of runs) {
  // Best of two, for the same reason.
  const a = await replay(lua, batches);
  if (name === 'shipped script') out(`Redis commands the shipped script ran per event: ${commandsPerEvent}`);
  const b = await replay(lua, batches);
  const r = a.luaMs <= b.luaMs ? a : b;
  const cpu = Math.min(a.cpuMs, b.cpuMs);
  out(`${name.padEnd(72)} ${`${r.luaMs.toFixed(0)} ms`.padStart(14)} ${`${((1000 * r.luaMs) / events.length).toFixed(1)} us`.padStart(10)} ${`${r.wallMs.toFixed(0)} ms`.padStart(10)} ${`${((1000 * cpu) / events.length).toFixed(1)} us`.padStart(16)}`);
}
await redis.quit();
if (server) {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(privateDir!, { recursive: true, force: true });
}
