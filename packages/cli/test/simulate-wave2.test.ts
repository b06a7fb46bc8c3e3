import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FEEDBACK_EVENT_TYPES, parseJsonLine, type CanonicalEvent } from '@callboard/events';
import { computeOracle, type KpiRatios } from '@callboard/kpi';
import { QueueConfig } from '@callboard/queue-config';
import { callboard } from '../../../test/helpers/cli.js';
import { QUEUES_FILE } from '../../../test/helpers/pipeline.js';

function readEvents(file: string): CanonicalEvent[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((raw, i) => {
      const line = parseJsonLine(raw, i + 1);
      if (!line?.ok) throw new Error(`line ${i + 1} of ${file} is not a valid event`);
      return line.event;
    });
}

/** Every wave 2 ratio of a row (DESIGN §3's second table), by name. */
function wave2Ratios(row: KpiRatios): Record<string, number | null> {
  return {
    'outbound.connectRate': row.outbound.connectRate,
    'outbound.successRate': row.outbound.successRate,
    'outbound.avgRingMs': row.outbound.avgRingMs,
    avgFirstResponseMs: row.avgFirstResponseMs,
    firstResponseWithinTarget: row.firstResponseWithinTarget,
    complaintsPer10k: row.complaintsPer10k,
    complaintsPer10kSubscribers: row.complaintsPer10kSubscribers,
    complaintResponseOnTimeRate: row.complaintResponseOnTimeRate,
    csatRate: row.csatRate,
    avgCsat: row.avgCsat,
    nps: row.nps,
    surveyResolvedRate: row.surveyResolvedRate,
    fcrRepeatRate: row.fcrRepeatRate,
  };
}

describe('callboard simulate --wave2 (issue 11 item 6)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-wave2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('simulate --wave2 writes traffic whose oracle has a value for every wave 2 ratio of the tenant total', async () => {
    const file = join(dir, 'wave2.jsonl');
    const r = await callboard(['simulate', '--wave2', '--seed', '3', '--minutes', String(3 * 24 * 60), '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const events = readEvents(file);
    const types = new Set(events.map((e) => e.type));
    for (const t of FEEDBACK_EVENT_TYPES) expect(types.has(t), t).toBe(true);
    const queues = QueueConfig.load(QUEUES_FILE);
    const oracle = computeOracle(events, { settings: (t, q) => queues.resolve(t, q), tenantSettings: (t) => queues.tenantSettings(t) });
    const acme = oracle.tenants.find((t) => t.tenantId === 'acme-telecom');
    expect(acme).toBeDefined();
    if (!acme) return;
    const nulls = Object.entries(wave2Ratios(acme)).filter(([, v]) => v === null).map(([k]) => k);
    expect(nulls).toEqual([]);
    // The campaign is a row of its own, outbound only; the chat queue has first responses.
    const campaign = oracle.queues.find((q) => q.tenantId === 'acme-telecom' && q.queueId === 'outbound-renewal');
    expect(campaign?.counts.offered).toBe(0);
    expect(campaign?.outbound.attempts).toBeGreaterThan(0);
    expect(oracle.queues.find((q) => q.queueId === 'chat-general')?.avgFirstResponseMs).not.toBeNull();
  });

  it('simulate without --wave2 is unchanged: no feedback events', async () => {
    const file = join(dir, 'v1.jsonl');
    expect((await callboard(['simulate', '--seed', '3', '--minutes', '30', '--out', file])).code).toBe(0);
    expect(readEvents(file).some((e) => (FEEDBACK_EVENT_TYPES as readonly string[]).includes(e.type))).toBe(false);
  });
});
