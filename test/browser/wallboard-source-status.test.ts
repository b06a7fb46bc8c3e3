import { describe, expect, it } from 'vitest';
import { everySourceStale, shortAge, sourceRows } from '../../services/gateway/wallboard/src/source-status.js';
import type { QueueView, SourceView } from '../../services/gateway/wallboard/src/types.js';

const source = (over: Partial<SourceView>): SourceView => ({ source: 's', newestEventAt: null, newestEventAgeMs: null, heartbeatAgeMs: 1000, stale: false, staleReason: null, ...over });
const view = (queueId: string, at: string, sources?: SourceView[]): QueueView => ({
  tenantId: 't',
  queueId,
  at,
  primarySl: 'sl.negativeAbandon',
  slTarget: 0.8,
  windows: [],
  live: { callsWaiting: 0, longestWaitingMs: null, agentsAvailable: 0, agentsOnCall: 0 },
  ...(sources ? { sources } : {}),
});

describe('the wallboard sources bar (docs/wallboard.md "Sources")', () => {
  it('takes the newest snapshot that carries sources and ages its events by the time since it', () => {
    const rows = sourceRows(
      [view('a', '2026-12-01T06:00:00.000Z', [source({ source: 'old', newestEventAgeMs: 1 })]), view('b', '2026-12-01T06:00:01.000Z', [source({ source: 'pbx', newestEventAgeMs: 5_000 })]), view('c', '2026-12-01T06:00:09.000Z')],
      Date.parse('2026-12-01T06:00:04.000Z'),
    );
    expect(rows).toEqual([{ source: 'pbx', eventAgeMs: 8_000, stale: false, staleReason: null }]);
    expect(sourceRows([view('a', '2026-12-01T06:00:00.000Z')], 0)).toEqual([]);
  });

  it('says every source is stale only when there is at least one and all are', () => {
    const row = (stale: boolean) => ({ source: 'x', eventAgeMs: null, stale, staleReason: null });
    expect(everySourceStale([])).toBe(false);
    expect(everySourceStale([row(true), row(false)])).toBe(false);
    expect(everySourceStale([row(true), row(true)])).toBe(true);
  });

  it('writes ages compactly', () => {
    expect([0, 42_400, 725_000, 3 * 3600_000 + 7 * 60_000].map(shortAge)).toEqual(['0s', '42s', '12m 05s', '3h 07m']);
  });
});
