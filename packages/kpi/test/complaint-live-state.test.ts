import { describe, expect, it } from 'vitest';
import { complaintLiveState, computeOracle } from '../src/index.js';
import { T0 } from './helpers/events.js';
import { closed, filed, responded } from './helpers/wave2-events.js';

const H = 3_600_000;

describe('complaintLiveState (decision 0010 §4)', () => {
  const events = [
    filed('k1', 0, { queueId: 'q1', severity: 'urgent' }), // due 2 h, never answered
    filed('k2', H, { queueId: 'q1' }), // due 25 h
    filed('k3', 0, { queueId: 'q2', severity: 'urgent' }),
    responded('k3', 3 * H), // answered late: open, not overdue
    filed('k4', 0), // tenant level, due 24 h
    filed('k5', 0, { queueId: 'q1' }),
    closed('k5', H, 'withdrawn'), // closed: not open
    responded('k6', 0), // never filed: nowhere
    filed('x', 0, { queueId: 'q1', tenantId: 't2' }),
  ];

  it('counts open, overdue (due strictly before now, unanswered) and the oldest open age, per queue and per tenant', () => {
    const now = T0 + 2 * H;
    expect(complaintLiveState(events, { nowMs: now, queueId: 'q1', tenantId: 't1' })).toEqual({ complaintsOpen: 2, complaintsOverdue: 0, oldestOpenComplaintAgeMs: 2 * H });
    const later = now + 1;
    expect(complaintLiveState(events, { nowMs: later, queueId: 'q1', tenantId: 't1' })).toEqual({ complaintsOpen: 2, complaintsOverdue: 1, oldestOpenComplaintAgeMs: 2 * H + 1 });
    expect(complaintLiveState(events, { nowMs: later, queueId: 'q2', tenantId: 't1' })).toEqual({ complaintsOpen: 1, complaintsOverdue: 0, oldestOpenComplaintAgeMs: 2 * H + 1 });
    // The whole tenant includes queue-less complaints.
    expect(complaintLiveState(events, { nowMs: T0 + 30 * H, queueId: null, tenantId: 't1' })).toEqual({ complaintsOpen: 4, complaintsOverdue: 3, oldestOpenComplaintAgeMs: 30 * H });
    expect(complaintLiveState(events, { nowMs: later, queueId: 'q9', tenantId: 't1' })).toEqual({ complaintsOpen: 0, complaintsOverdue: 0, oldestOpenComplaintAgeMs: null });
  });

  it('uses the tenant response times, and the oracle rows carry the same state when given now', () => {
    const tenantSettings = () => ({ complaintResponseMs: { urgent: 3 * H, normal: 24 * H } });
    expect(complaintLiveState(events, { nowMs: T0 + 2 * H + 1, queueId: 'q1', tenantId: 't1', tenantSettings }).complaintsOverdue).toBe(0);
    const { queues, tenants } = computeOracle(events, { nowMs: T0 + 30 * H });
    expect(queues.find((q) => q.tenantId === 't1' && q.queueId === 'q1')!.complaintState).toEqual(
      complaintLiveState(events, { nowMs: T0 + 30 * H, queueId: 'q1', tenantId: 't1' }),
    );
    expect(tenants[0]!.complaintState).toEqual({ complaintsOpen: 4, complaintsOverdue: 3, oldestOpenComplaintAgeMs: 30 * H });
    expect(computeOracle(events).queues[0]).not.toHaveProperty('complaintState');
  });
});
