import { describe, expect, it } from 'vitest';
import { Hub, type HubClient } from '../src/index.js';

function snapshotRules(hub: Hub, tenantId: string): unknown {
  const frames: { rules?: unknown }[] = [];
  const client: HubClient = { tenantId, send: (f) => frames.push(JSON.parse(f) as { rules?: unknown }), bufferedAmount: () => 0, close: () => undefined };
  hub.add(client);
  hub.subscribe(client, '*');
  hub.remove(client);
  return frames[0]?.rules;
}

const record = (ruleId: string, ruleName: string) => ({ fingerprint: `fp-${ruleId}`, kind: 'fire', tenantId: 'a', queueId: 'q1', ruleId, ruleName, severity: 'critical', metric: 'sl.primary' });

describe('what the hub says of rules in a snapshot', () => {
  it('learns rules from stored states, per tenant; a record says more recently and wins; a state without a description teaches nothing', () => {
    const hub = new Hub({ maxBufferedBytes: 1000, slowCloseMs: 5000 });
    hub.applyAlert(record('renamed', 'New name'));
    hub.describeRules('a', [
      { ruleId: 'stored', ruleName: 'Stored name', severity: 'warning', metric: 'live.longestWaitingMs' },
      { ruleId: 'renamed', ruleName: 'Old name', severity: 'warning', metric: 'sl.primary' },
      { ruleId: 'old-state' },
    ]);
    hub.describeRules('b', [{ ruleId: 'b-only', ruleName: 'B', severity: 'warning', metric: 'answerRate' }]);
    expect(snapshotRules(hub, 'a')).toEqual({
      renamed: { ruleName: 'New name', severity: 'critical', metric: 'sl.primary' },
      stored: { ruleName: 'Stored name', severity: 'warning', metric: 'live.longestWaitingMs' },
    });
    hub.applyAlert(record('stored', 'Renamed since'));
    expect((snapshotRules(hub, 'a') as Record<string, { ruleName: string }>).stored?.ruleName).toBe('Renamed since');
    expect(snapshotRules(hub, 'b')).toEqual({ 'b-only': { ruleName: 'B', severity: 'warning', metric: 'answerRate' } });
  });
});
