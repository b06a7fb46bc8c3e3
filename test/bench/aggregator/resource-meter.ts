import { readdirSync, readFileSync } from 'node:fs';
import { nodesOf, type RedisClient } from '@callboard/runtime';

interface Snapshot {
  at: number;
  node: NodeJS.CpuUsage;
  redisCpuS: number;
  scriptUsec: number;
  scriptCalls: number;
  machineBusy: number;
  machineTotal: number;
  processes: Map<number, { label: string; ticks: number }>;
}

/** What the machine spent during one run: this process, Redis, and all of its cores together. */
export interface ResourceUse {
  wallS: number;
  /** CPU seconds of this Node process (the consumer, decode, handler, kafkajs). */
  nodeCpuS: number;
  /** CPU seconds of redis-server (INFO cpu; on a Cluster summed over every node, replicas too). */
  redisCpuS: number;
  /** Time Redis spent inside EVALSHA/EVAL, nested commands included (INFO commandstats). */
  scriptS: number;
  scriptCalls: number;
  /** Busy share of all cores (/proc/stat); what is not Node or Redis is mostly the Kafka broker. */
  machineBusyPct: number;
  cores: number;
  /** CPU seconds by process during the run, largest first (this process, Redis, the broker, and anyone else). */
  byProcess: { label: string; cpuS: number }[];
}

const CLOCK_TICKS_PER_S = 100;
const OUR_HOME = new URL('../../../.callboard/', import.meta.url).pathname;

/** A short name for a process, telling this checkout's infra from anything else on the machine. */
function labelOf(pid: number, comm: string): string {
  if (pid === process.pid) return 'this benchmark (node)';
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return comm;
  }
  const ours = cmdline.includes(OUR_HOME) || cmdline.includes(OUR_HOME.replace(/\/$/, ''));
  let what = comm;
  if (cmdline.includes('kafka.Kafka')) what = 'kafka broker';
  else if (cmdline.includes('apicurio')) what = 'schema registry';
  else if (comm.startsWith('redis-server')) what = 'redis-server';
  else if (comm === 'node' || comm.startsWith('node')) what = `node: ${cmdline.split(' ').slice(0, 3).join(' ').slice(0, 60)}`;
  return ours || what === 'redis-server' ? what : `${what} (not this benchmark)`;
}

function processTicks(): Map<number, { label: string; ticks: number }> {
  const out = new Map<number, { label: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // Fields 14 and 15 of /proc/<pid>/stat (utime, stime); index 0 here is field 3.
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(Number(entry), { label: labelOf(Number(entry), comm), ticks });
    } catch {
      // The process ended between readdir and read.
    }
  }
  return out;
}

function machineJiffies(): { busy: number; total: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const [, ...fields] = lines[0]!.trim().split(/\s+/);
  const n = fields.map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total, cores: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return m ? Number(m[1]) : 0;
}

function scriptStats(info: string): { usec: number; calls: number } {
  let usec = 0;
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  return { usec, calls };
}

async function snapshot(redis: RedisClient): Promise<Snapshot> {
  // One node, or every node of a Cluster (a replica's CPU is replication the writes cost).
  const infos = await Promise.all((await nodesOf(redis, 'all')).map(async (node) => ({ cpu: await node.info('cpu'), stats: scriptStats(await node.info('commandstats')) })));
  const m = machineJiffies();
  return {
    at: performance.now(),
    node: process.cpuUsage(),
    redisCpuS: infos.reduce((n, i) => n + infoField(i.cpu, 'used_cpu_user') + infoField(i.cpu, 'used_cpu_sys'), 0),
    scriptUsec: infos.reduce((n, i) => n + i.stats.usec, 0),
    scriptCalls: infos.reduce((n, i) => n + i.stats.calls, 0),
    machineBusy: m.busy,
    machineTotal: m.total,
    processes: processTicks(),
  };
}

/** Starts metering; the returned function ends it. Redis figures are server-wide (every node of a Cluster), so they include any other client. */
export async function meterResources(redis: RedisClient): Promise<() => Promise<ResourceUse>> {
  const before = await snapshot(redis);
  return async () => {
    const after = await snapshot(redis);
    const node = process.cpuUsage(before.node);
    return {
      wallS: (after.at - before.at) / 1000,
      nodeCpuS: (node.user + node.system) / 1e6,
      redisCpuS: after.redisCpuS - before.redisCpuS,
      scriptS: (after.scriptUsec - before.scriptUsec) / 1e6,
      scriptCalls: after.scriptCalls - before.scriptCalls,
      machineBusyPct: (100 * (after.machineBusy - before.machineBusy)) / Math.max(1, after.machineTotal - before.machineTotal),
      cores: machineJiffies().cores,
      byProcess: cpuByProcess(before.processes, after.processes),
    };
  };
}

/** Busy share of all cores over `windowMs`. */
export async function machineBusyPct(windowMs = 2000): Promise<number> {
  const a = machineJiffies();
  await new Promise((r) => setTimeout(r, windowMs));
  const b = machineJiffies();
  return (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total);
}

/**
 * Waits until the machine is quiet (other work on a shared 2-core box skews every figure), up to
 * `maxWaitMs`; returns the last background load seen, so the report can say what the run competed with.
 */
export async function waitForQuiet(thresholdPct = 25, maxWaitMs = 180_000): Promise<{ busyPct: number; waitedMs: number }> {
  const began = performance.now();
  for (;;) {
    const busyPct = await machineBusyPct();
    const waitedMs = performance.now() - began;
    if (busyPct < thresholdPct || waitedMs > maxWaitMs) return { busyPct, waitedMs };
  }
}

function cpuByProcess(before: Map<number, { label: string; ticks: number }>, after: Map<number, { label: string; ticks: number }>): { label: string; cpuS: number }[] {
  const byLabel = new Map<string, number>();
  for (const [pid, a] of after) {
    const delta = a.ticks - (before.get(pid)?.ticks ?? 0);
    if (delta > 0) byLabel.set(a.label, (byLabel.get(a.label) ?? 0) + delta / CLOCK_TICKS_PER_S);
  }
  return [...byLabel].map(([label, cpuS]) => ({ label, cpuS })).sort((x, y) => y.cpuS - x.cpuS);
}

/** The few largest CPU users of a run, for the report. */
export function topProcesses(use: ResourceUse, n = 5): string {
  return use.byProcess
    .slice(0, n)
    .map((p) => `${p.label} ${p.cpuS.toFixed(1)} s`)
    .join('; ');
}
