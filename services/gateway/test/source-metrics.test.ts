import { describe, expect, it } from 'vitest';
import type { SourceFreshness } from '@callboard/windows';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { renderKpiMetrics } from '../src/metrics.js';

const src = (source: string, over: Partial<SourceFreshness> = {}): SourceFreshness => ({
  source,
  newestEventAt: null,
  newestEventAgeMs: null,
  heartbeatAt: null,
  heartbeatAgeMs: null,
  reportedNewestEventAt: null,
  stale: false,
  staleReason: null,
  ...over,
});

describe('source freshness on the public /metrics (decision 0008)', () => {
  it('exports each source once per tenant, from the newest snapshot carrying it', async () => {
    const at = Date.parse('2026-12-01T06:00:00.000Z');
    const older = { ...snapshot('acme', 'q1', at - 1000, { answered: 1, withinSl: 1 }), sources: [src('asterisk:pbx1', { stale: false, newestEventAgeMs: 1000, heartbeatAgeMs: 500 })] };
    const newer = { ...snapshot('acme', 'q2', at, { answered: 1, withinSl: 1 }), sources: [src('asterisk:pbx1', { stale: true, staleReason: 'heartbeat-silent', newestEventAgeMs: 90_000, heartbeatAgeMs: 61_000 })] };
    const { body } = await renderKpiMetrics([newer, older]);
    expect(body).toContain('callboard_source_stale{tenant="acme",source="asterisk:pbx1"} 1');
    expect(body).toContain('callboard_source_newest_event_age_seconds{tenant="acme",source="asterisk:pbx1"} 90');
    expect(body).toContain('callboard_source_heartbeat_age_seconds{tenant="acme",source="asterisk:pbx1"} 61');
    // A source never heard from has no age series, only its stale flag.
    const { body: quiet } = await renderKpiMetrics([{ ...newer, sources: [src('replay', { stale: true, staleReason: 'no-heartbeat' })] }]);
    expect(quiet).toContain('callboard_source_stale{tenant="acme",source="replay"} 1');
    expect(quiet).not.toContain('callboard_source_heartbeat_age_seconds{');
  });
});
