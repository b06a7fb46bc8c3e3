import { describe, expect, it } from 'vitest';
import { type Batch, fingerprint, groupKey, type GrouperSnapshot, type Notification, NotificationGrouper } from '../src/index.js';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const HOUR = 3600_000;

function note(queueId: string, overrides: Partial<Notification> = {}): Notification {
  const ruleId = overrides.ruleId ?? 'sl-below-target';
  const tenantId = overrides.tenantId ?? 'acme';
  return {
    kind: 'fire',
    fingerprint: fingerprint(ruleId, tenantId, queueId),
    ruleId,
    ruleName: 'SL below target',
    tenantId,
    queueId,
    severity: 'warning',
    metric: 'sl.primary',
    value: 0.62,
    episode: 1,
    at: T0,
    labels: {},
    routes: ['default'],
    ...overrides,
  };
}

const queues = Array.from({ length: 30 }, (_, i) => `q${String(i).padStart(2, '0')}`);

function storm(grouper: NotificationGrouper, start = T0): void {
  // 30 queues cross the line within 3 s of each other.
  queues.forEach((q, i) => grouper.add(note(q), start + i * 100));
}

describe('NotificationGrouper', () => {
  it('turns 30 queues breaching at once into one batch after the group wait', () => {
    const grouper = new NotificationGrouper();
    storm(grouper);
    expect(grouper.due(T0 + 5_000)).toEqual([]);
    expect(grouper.nextDueAt()).toBe(T0 + 10_000);
    const batches = grouper.due(T0 + 10_000);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ route: 'default', groupKey: 'tenantId=acme|ruleId=sl-below-target|kind=fire', repeat: false, at: T0 + 10_000 });
    expect(batches[0]?.notifications.map((n) => n.queueId).sort()).toEqual(queues);
    expect(grouper.due(T0 + 20_000)).toEqual([]);
  });

  it('keeps tenants, rules, kinds and routes apart', () => {
    const grouper = new NotificationGrouper();
    grouper.add(note('a'), T0);
    grouper.add(note('b', { tenantId: 'globex' }), T0);
    grouper.add(note('c', { ruleId: 'abandon-rate' }), T0);
    grouper.add(note('d', { kind: 'resolve' }), T0);
    grouper.add(note('e', { routes: ['default', 'pager'] }), T0);
    grouper.add(note('f', { routes: [] }), T0);
    const batches = grouper.due(T0 + 10_000);
    expect(batches.map((b) => `${b.route} ${b.groupKey} ${b.notifications.map((n) => n.queueId).sort().join(',')}`).sort()).toEqual([
      'default tenantId=acme|ruleId=abandon-rate|kind=fire c',
      'default tenantId=acme|ruleId=sl-below-target|kind=fire a,e',
      'default tenantId=acme|ruleId=sl-below-target|kind=resolve d',
      'default tenantId=globex|ruleId=sl-below-target|kind=fire b',
      'pager tenantId=acme|ruleId=sl-below-target|kind=fire e',
    ]);
  });

  it('groups by the configured fields', () => {
    expect(groupKey(note('a'), ['tenantId', 'severity'])).toBe('tenantId=acme|severity=warning');
    const grouper = new NotificationGrouper({ groupBy: ['tenantId'] });
    grouper.add(note('a'), T0);
    grouper.add(note('b', { ruleId: 'abandon-rate', kind: 'resolve' }), T0);
    expect(grouper.due(T0 + 10_000)).toHaveLength(1);
  });

  it('sends later arrivals after the group interval, not after every one', () => {
    const grouper = new NotificationGrouper();
    storm(grouper);
    grouper.due(T0 + 10_000);
    grouper.add(note('late-1'), T0 + 12_000);
    grouper.add(note('late-2'), T0 + 25_000);
    expect(grouper.due(T0 + 22_000)).toEqual([]);
    expect(grouper.nextDueAt()).toBe(T0 + 40_000);
    const next = grouper.due(T0 + 40_000);
    expect(next.map((b) => b.notifications.map((n) => n.queueId))).toEqual([['late-1', 'late-2']]);
  });

  it('repeats the alerts still firing every repeat interval, and stops for resolved or no-longer-firing ones', () => {
    const grouper = new NotificationGrouper({ repeatIntervalMs: 4 * HOUR });
    storm(grouper);
    const first = grouper.due(T0 + 10_000);
    grouper.add(note('q00', { kind: 'resolve' }), T0 + HOUR);
    grouper.due(T0 + HOUR + 10_000);
    expect(grouper.due(T0 + 4 * HOUR)).toEqual([]);
    expect(grouper.nextDueAt()).toBe(T0 + 10_000 + 4 * HOUR);

    const acked = new Set(['q01']);
    const repeat = grouper.due(T0 + 10_000 + 4 * HOUR, (n) => !acked.has(n.queueId));
    expect(repeat).toHaveLength(1);
    expect(repeat[0]?.repeat).toBe(true);
    expect(repeat[0]?.notifications.map((n) => n.queueId)).toEqual(queues.slice(2).sort((a, b) => (fingerprint('sl-below-target', 'acme', a) < fingerprint('sl-below-target', 'acme', b) ? -1 : 1)));
    expect(repeat[0]?.idempotencyKey).not.toBe(first[0]?.idempotencyKey);

    const again = grouper.due(T0 + 10_000 + 8 * HOUR);
    expect(again[0]?.notifications).toHaveLength(28);
    expect(again[0]?.idempotencyKey).not.toBe(repeat[0]?.idempotencyKey);

    grouper.stopRepeating(fingerprint('sl-below-target', 'acme', 'q02'));
    expect(grouper.due(T0 + 10_000 + 12 * HOUR)[0]?.notifications).toHaveLength(27);
  });

  it('gives the same batch the same idempotency key, whatever the arrival order or a restart in between', () => {
    const forward = new NotificationGrouper();
    storm(forward);
    const backward = new NotificationGrouper();
    [...queues].reverse().forEach((q, i) => backward.add(note(q), T0 + i * 100));
    const restored = NotificationGrouper.fromJSON(JSON.parse(JSON.stringify(forward)) as GrouperSnapshot);

    const a = forward.due(T0 + 10_000)[0] as Batch;
    const b = backward.due(T0 + 10_000)[0] as Batch;
    const c = restored.due(T0 + 10_000)[0] as Batch;
    expect(a.idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    expect(b.idempotencyKey).toBe(a.idempotencyKey);
    expect(c).toEqual(a);

    const otherEpisode = new NotificationGrouper();
    queues.forEach((q) => otherEpisode.add(note(q, { episode: q === 'q07' ? 2 : 1 }), T0));
    expect(otherEpisode.due(T0 + 10_000)[0]?.idempotencyKey).not.toBe(a.idempotencyKey);
  });

  it('gives episode 1 of a fingerprint a new key when alert state starts afresh (a new deployment or Redis), so a deduping receiver still pages', () => {
    const before = new NotificationGrouper();
    before.add(note('q01', { episode: 1, episodeStartedAt: T0 }), T0);
    const afresh = new NotificationGrouper();
    afresh.add(note('q01', { episode: 1, episodeStartedAt: T0 + 24 * HOUR }), T0 + 24 * HOUR);
    const a = before.due(T0 + 10_000)[0] as Batch;
    const b = afresh.due(T0 + 24 * HOUR + 10_000)[0] as Batch;
    expect(b.idempotencyKey).not.toBe(a.idempotencyKey);
  });

  it('drops a notification decided twice', () => {
    const grouper = new NotificationGrouper();
    grouper.add(note('a'), T0);
    grouper.add(note('a'), T0 + 1_000);
    expect(grouper.due(T0 + 10_000)[0]?.notifications).toHaveLength(1);
  });

  it('round-trips its state through JSON and forgets idle groups', () => {
    const grouper = new NotificationGrouper({ groupWaitMs: 0 });
    grouper.add(note('a', { kind: 'resolve' }), T0);
    expect(grouper.due(T0)).toHaveLength(1);
    expect(grouper.toJSON().groups).toHaveLength(1);
    expect(grouper.due(T0 + 30_000)).toEqual([]);
    expect(grouper.toJSON()).toEqual({ version: 1, config: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 0, groupIntervalMs: 30_000, repeatIntervalMs: 4 * HOUR }, groups: [] });
    expect(grouper.nextDueAt()).toBeUndefined();
    expect(() => NotificationGrouper.fromJSON({ version: 2 } as unknown as GrouperSnapshot)).toThrow(/version 2/);
  });
});
