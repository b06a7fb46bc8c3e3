import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { encodeName } from '@callboard/ingest-asterisk';
import { disagreements, queueLogStats, type KpiQueueJson } from './asterisk-stats.js';
import { callboard } from './cli.js';
import { expectQueryEqualsKpi } from './day-replay.js';
import { readBack } from './infra.js';
import { exited, spawnAggregator, waitUntilConsumed } from './pipeline.js';
import { suiteStack } from './suite-stack.js';

/** The hand-made queue_log of the import tests (test/helpers/fixtures/asterisk-import). */
export const EDGE_CASES_QUEUE_LOG = fileURLToPath(new URL('fixtures/asterisk-import/edge-cases.queue_log', import.meta.url));
const TENANT = 'edge-co';
/** The hour the edge-case file covers (2026-11-30 09:00 to 09:15 UTC). */
const HOUR = { from: '2026-11-30T09:00:00Z', to: '2026-11-30T10:00:00Z' };

/**
 * Issue 10 acceptance 1 through the real pipeline, as a reviewer runs it: `callboard import asterisk
 * --kafka` of the edge-case queue_log into a fresh prefixed stack, an aggregator process, then
 * `callboard query` equal field for field to `callboard kpi` over the same file imported `--out`,
 * and to the independent count of test/helpers/asterisk-stats.ts; the file's two bad lines are in
 * cc.dlq.v1 with the file and line number. Call inside a `describe`; the project's environment picks
 * the single Redis or the Cluster.
 */
export function asteriskImportTest(label: string): void {
  const suite = suiteStack(label);

  it('import --kafka, an aggregator, then query equals kpi and the independent count; bad lines in the DLQ by file and line', async () => {
    const { stack, dir } = suite;
    const env = { CB_TOPIC_PREFIX: stack.prefix, CB_REDIS_NAMESPACE: `ai${randomBytes(4).toString('hex')}` };
    const groupId = `${stack.prefix}agg`;
    const aggregator = spawnAggregator(stack, { ...env, CB_AGGREGATOR_GROUP: groupId });
    try {
      const sent = await callboard(['import', 'asterisk', '--input', EDGE_CASES_QUEUE_LOG, '--tenant', TENANT, '--server-id', 'pbx1', '--kafka'], env);
      expect(sent.code, sent.stderr).toBe(1);
      expect(sent.stderr).toMatch(/^import: 50 event\(s\) to Kafka: /m);
      expect(sent.stderr).toMatch(/^import: 2 invalid line\(s\): 33, 42$/m);
      await waitUntilConsumed(stack, groupId);
      expect(aggregator.exitCode, 'the aggregator exited during the import').toBeNull();
    } finally {
      aggregator.kill('SIGTERM');
      await exited(aggregator);
    }

    const file = join(dir, 'edge.jsonl');
    expect((await callboard(['import', 'asterisk', '--input', EDGE_CASES_QUEUE_LOG, '--tenant', TENANT, '--server-id', 'pbx1', '--out', file], env)).code).toBe(1);
    const read = await expectQueryEqualsKpi(env, file, { tenant: TENANT, ...HOUR });
    expect(read.queues.map((q) => q.queueId).sort()).toEqual(['Sales_20EN', 'sales', 'support']);
    // The file's three lines written twice reached the store and were skipped there by eventId.
    expect(read.queues.find((q) => q.queueId === 'support')!.stats.duplicates).toBe(3);
    const stats = queueLogStats(readFileSync(EDGE_CASES_QUEUE_LOG, 'utf8'));
    expect(disagreements(read.queues as unknown as KpiQueueJson[], stats, encodeName)).toEqual([]);

    const dlq = await readBack(stack, stack.topology.dlq.name, (records) => records.length >= 2);
    const lines = readFileSync(EDGE_CASES_QUEUE_LOG, 'utf8').split('\n');
    expect(
      dlq.map((r) => ({ topic: r.sourceTopic, line: r.sourceOffset, code: r.reasonCode, value: Buffer.from(r.value as Buffer).toString('utf8') })).sort((a, b) => Number(a.line) - Number(b.line)),
    ).toEqual([33, 42].map((n) => ({ topic: `queue_log:${resolve(EDGE_CASES_QUEUE_LOG)}`, line: String(n), code: 'CB_ASTERISK_LINE_INVALID', value: lines[n - 1] })));
  }, 240_000);
}
