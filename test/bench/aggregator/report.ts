import { KEY_KINDS, type KeyOverhead, type MemoryReport } from './redis-memory.js';
import type { Throughput } from './run-context.js';

/** The bench's report goes to stdout, as plain lines; logs (warn and above) go to stderr. */
export function line(...lines: string[]): void {
  for (const l of lines) process.stdout.write(`${l}\n`);
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function formatThroughput(t: Throughput): string[] {
  const out = [`${t.label}: ${int(t.perSecond)} events/s (${int(t.events)} events in ${t.seconds.toFixed(2)} s, ${int(t.batches)} batches completed)`];
  if (t.note) out.push(`  note: ${t.note}`);
  for (const [k, v] of Object.entries(t.details ?? {})) out.push(`  ${k}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`);
  return out;
}

export function ratioLine(name: string, value: number, target: string, met: boolean, digits: number): string {
  return `${name.padEnd(20)} ${value.toFixed(digits).padStart(7)}   (target ${target}: ${met ? 'MET' : 'MISSED'})`;
}

export function formatMemory(m: MemoryReport): string[] {
  const p = m.params;
  const out = [
    `redis memory per queue (MEMORY USAGE ... SAMPLES 0 over SCAN MATCH <ns>:{tenant:queue}:*, plus the tenant agents hash share and the per-partition keys share)`,
    `  steady-state projection: mean interval hash x ${p.intervalBuckets} (8 days of 15 min) + mean fine minute-hash x ${p.fineHashes} ` +
      `(fine retention + grace, six 10 s buckets per hash) + mean visit hash x visits/h x ${p.visitTtlHours} h (visit TTL) + waiting, stats, shares as measured`,
    `  shared keys (partition offsets, active index, leases): ${int(p.sharedBytes)} B in total; simulated span ${p.simulatedHours.toFixed(1)} h`,
    `  cross-check "window": the keys still alive if the last simulated instant were now (interval hashes of the last 8 days and fine hashes of the last ` +
      `${p.fineHashes / 60} h summed as stored, visits offered in the last ${p.visitTtlHours} h x mean visit hash, rest as measured)`,
    `  ${'queue'.padEnd(28)} ${'measured'.padStart(12)} ${'projected'.padStart(11)} ${'window'.padStart(11)}   projection = interval + fine + visits + rest; window = the same four`,
  ];
  for (const q of m.queues) {
    const pr = q.projection;
    const w = q.window;
    out.push(
      `  ${`${q.tenantId}/${q.queueId}`.padEnd(28)} ${kib(q.measuredBytes).padStart(12)} ${kib(pr.totalBytes).padStart(11)} ${kib(w.totalBytes).padStart(11)}   = ` +
        `${kib(pr.intervalBytes)} + ${kib(pr.fineBytes)} + ${kib(pr.visitBytes)} + ${kib(pr.restBytes)}; ` +
        `window ${int(w.intervalKeys)} i + ${int(w.fineKeys)} f + ${int(w.visits)} v = ${kib(w.intervalBytes)} + ${kib(w.fineBytes)} + ${kib(w.visitBytes)} + ${kib(w.restBytes)}`,
    );
    out.push(
      `    keys: ${KEY_KINDS.filter((k) => q.kinds[k].keys > 0)
        .map((k) => `${k} ${int(q.kinds[k].keys)} x ${int(q.kinds[k].bytes / q.kinds[k].keys)} B (max ${int(q.kinds[k].maxBytes)})`)
        .join(', ')}; agents share ${int(q.agentsShareBytes)} B; ${q.visitsPerHour.toFixed(1)} visits/h`,
    );
  }
  return out;
}

export function formatOverhead(m: MemoryReport, o: KeyOverhead): string[] {
  const worst = m.queues.reduce((a, b) => (b.projection.totalBytes > a.projection.totalBytes ? b : a));
  return [
    `  whole namespace: MEMORY USAGE sums to ${(o.keyBytes / 2 ** 20).toFixed(1)} MiB over ${int(o.keyCount)} queue keys; INFO used_memory grew ${(o.usedDelta / 2 ** 20).toFixed(1)} MiB ` +
      `during the run: about ${int(o.perKeyBytes)} B per key that MEMORY USAGE leaves out (expires table, keyspace table growth, and anything else using this Redis meanwhile)`,
    `  with that on each of its ~${int(worst.projection.keys)} steady-state keys, ${worst.tenantId}/${worst.queueId} projects to ` +
      `${kib(worst.projection.totalBytes + worst.projection.overheadBytes)} (an estimate beside the MEMORY USAGE figure the target is judged on)`,
  ];
}
