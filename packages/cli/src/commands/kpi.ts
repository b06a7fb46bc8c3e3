import { type CanonicalEvent, readJsonLines } from '@callboard/events';
import { computeOracle, RATIO_FIELDS, type QueueKpi, type TenantKpi } from '@callboard/kpi';
import { isoOption, numberOption, parseCommandArgs, requireFile, type Command } from '../command.js';
import { loadQueueConfig } from '../queue-file.js';

/**
 * The documented JSON shape of one row (docs/cli.md): a queue (or campaign) row, or a tenant total
 * with `queueId: null`. Counters, every ratio of `KpiRatios` in a fixed order, the rejects, and the
 * complaint live state when `--now` was given. Fields are only ever added, never renamed.
 */
export function kpiJson(q: QueueKpi | TenantKpi): Record<string, unknown> {
  const ratios: Record<string, unknown> = {};
  for (const field of RATIO_FIELDS) ratios[field] = q[field];
  return {
    tenantId: q.tenantId,
    queueId: q.queueId,
    counts: q.counts,
    ...ratios,
    anomalies: q.anomalies,
    duplicates: q.duplicates,
    late: q.late,
    ...(q.complaintState === undefined ? {} : { complaintState: q.complaintState }),
  };
}

export const kpiCommand: Command = {
  name: 'kpi',
  summary: 'compute every KPI offline from a JSON-lines file (the oracle)',
  usage: `callboard kpi --input FILE.jsonl [--from ISO --to ISO] [--now ISO] [--sl-threshold-ms N] [--short-abandon-ms N] [--queues FILE] --json

Runs the offline oracle of packages/kpi over a file of canonical events (call,
complaint and survey events; agent events count for nothing): duplicates removed
by eventId, the per-visit state machine applied, a visit's direction taken from
its offer, every event counted at its own occurredAt in [from, to). Without a
range it covers every event in the file. Prints {"queues":[...],"tenants":[...]}:
one row per queue (or campaign) and one tenant total per tenant (queueId null,
counters summed, ratios from the sums), each with its counters, every ratio
(null on an empty denominator), anomalies, duplicates and late (docs/cli.md).

Queue settings (SL threshold, short abandon, first-response target) and tenant
settings (subscribers, repeatWindowHours, complaintResponseMs) come from the
queue settings file (--queues, else CB_QUEUES_FILE, else config/queues.json), as
for the live aggregator; --sl-threshold-ms and --short-abandon-ms override them
for every queue. --now adds each row's complaint live state at that instant
(complaintsOpen, complaintsOverdue, oldestOpenComplaintAgeMs).`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('kpi', argv, {
      input: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      now: { type: 'string' },
      'sl-threshold-ms': { type: 'string' },
      'short-abandon-ms': { type: 'string' },
      queues: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const input = requireFile('kpi', 'input', values.input);
    const from = isoOption('kpi', 'from', values.from);
    const to = isoOption('kpi', 'to', values.to);
    const nowMs = isoOption('kpi', 'now', values.now);
    const slThresholdMs = numberOption('kpi', 'sl-threshold-ms', values['sl-threshold-ms'], { min: 0, integer: true });
    const shortAbandonMs = numberOption('kpi', 'short-abandon-ms', values['short-abandon-ms'], { min: 0, integer: true });
    const ctx = makeCtx();
    const queues = loadQueueConfig(ctx, values.queues);
    // A bad line is reported and left out, as the live pipeline sends it to the DLQ.
    const events: CanonicalEvent[] = [];
    for await (const line of readJsonLines(input)) {
      if (line.ok) events.push(line.event);
      else process.stderr.write(`${input}:${line.lineNo}: skipped: ${line.error.code}: ${line.error.message}\n`);
    }
    const result = computeOracle(events, {
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(nowMs === undefined ? {} : { nowMs }),
      settings: (tenantId, queueId) => {
        const q = queues.resolve(tenantId, queueId);
        return {
          slThresholdMs: slThresholdMs ?? q.slThresholdMs,
          shortAbandonMs: shortAbandonMs ?? q.shortAbandonMs,
          firstResponseTargetMs: q.firstResponseTargetMs,
        };
      },
      tenantSettings: (tenantId) => queues.tenantSettings(tenantId),
    });
    const json = { queues: result.queues.map(kpiJson), tenants: result.tenants.map(kpiJson) };
    ctx.out(JSON.stringify(json, null, values.json ? undefined : 2));
    return 0;
  },
};
