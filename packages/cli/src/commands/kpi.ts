import { type CanonicalEvent, readJsonLines } from '@callboard/events';
import { computeOracle, type QueueKpi } from '@callboard/kpi';
import { isoOption, numberOption, parseCommandArgs, requireFile, type Command } from '../command.js';
import { loadQueueConfig } from '../queue-file.js';

/** The documented JSON shape of one queue (docs/cli.md): counters and ratios, nothing else. */
export function kpiJson(q: QueueKpi): Record<string, unknown> {
  return {
    tenantId: q.tenantId,
    queueId: q.queueId,
    counts: q.counts,
    sl: q.sl,
    answerRate: q.answerRate,
    abandonRate: q.abandonRate,
    asaMs: q.asaMs,
    avgAbandonWaitMs: q.avgAbandonWaitMs,
    ahtMs: q.ahtMs,
    avgTalkMs: q.avgTalkMs,
    transferRate: q.transferRate,
    fcrRate: q.fcrRate,
  };
}

export const kpiCommand: Command = {
  name: 'kpi',
  summary: 'compute every KPI offline from a JSON-lines file (the oracle)',
  usage: `callboard kpi --input FILE.jsonl [--from ISO --to ISO] [--sl-threshold-ms N] [--short-abandon-ms N] [--queues FILE] --json

Runs the offline oracle of packages/kpi over a file of canonical events:
duplicates removed by eventId, the per-visit state machine applied, every
outcome counted at its own occurredAt in [from, to). Without a range it covers
every event in the file. Prints {"queues":[...]} (docs/cli.md).

SL threshold and short-abandon threshold come from the queue settings file
(--queues, else CB_QUEUES_FILE, else config/queues.json), as for the live
aggregator; --sl-threshold-ms and --short-abandon-ms override them for every queue.`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('kpi', argv, {
      input: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
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
      settings: (tenantId, queueId) => {
        const q = queues.resolve(tenantId, queueId);
        return { slThresholdMs: slThresholdMs ?? q.slThresholdMs, shortAbandonMs: shortAbandonMs ?? q.shortAbandonMs };
      },
    });
    ctx.out(JSON.stringify({ queues: result.queues.map(kpiJson) }, null, values.json ? undefined : 2));
    return 0;
  },
};
