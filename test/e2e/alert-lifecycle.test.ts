import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '@callboard/alerter';
import { type AlertState, loadRules, type RulesFile } from '@callboard/alerts';
import { dispatchSettled, publishSnapshots, useAlerterBed } from '../helpers/alerter-bed.js';
import { testAlerter } from '../helpers/pipeline.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** The evaluator re-reads a tenant's silences at most once a second. */
const SILENCE_CACHE_MS = 1000;

function rulesFile(routes: Record<string, string>, rule: Record<string, unknown>): RulesFile {
  return loadRules(
    JSON.stringify({
      version: 1,
      groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 200, groupIntervalMs: 500, repeatIntervalMs: 3_600_000 },
      routes: Object.fromEntries(Object.entries(routes).map(([name, url]) => [name, { type: 'webhook', url }])),
      rules: [{ id: 'sl-low', name: 'SL below 80 %', metric: 'sl.primary', comparator: '<', fire: 0.8, clear: 0.85, minVolume: 5, severity: 'warning', ...rule }],
    }),
  );
}

describe('silences and escalation through the real alerter (issue 8 items 12 and 20)', () => {
  const bed = useAlerterBed('alert-lifecycle');

  /** The alert of `queueId`, once `test` holds for it. */
  const alertWhen = (store: AlertStore, tenant: string, queueId: string, what: string, test: (a: AlertState) => boolean) =>
    waitFor(what, async () => (await store.list(tenant)).find((a) => a.queueId === queueId && test(a)), 60_000, 100);

  const heard = (receiver: WebhookReceiver, tenant: string, kind: string, episode?: number) =>
    receiver.alerts().filter((a) => a.tenantId === tenant && a.kind === kind && (episode === undefined || a.episode === episode));

  it('a silence mutes new pages, lets the end of a paged episode through (marked silenced), and a new breach pages again after unsilence and after expiry', async () => {
    const { stack, redis, receiver } = bed;
    const tenant = 'silence-co';
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new AlertStore(redis, namespace);
    const alerter = testAlerter(stack, store, rulesFile({ team: receiver.url }, { routes: ['team'] }), { groupId: `${stack.prefix}alerter-silence` });
    await alerter.start();
    let sl = 0.5;
    const pub = publishSnapshots(stack, () => [snapshot(tenant, 'sq1', Date.now(), { answered: 40, withinSl: Math.round(40 * sl) })]);
    /** Waits until the alert was evaluated with the silences as they are now. */
    const silencesSeen = (since: number) => alertWhen(store, tenant, 'sq1', 'an evaluation that read the silences', (a) => a.lastEvaluatedAt >= since + SILENCE_CACHE_MS + 200);
    try {
      // Episode 1 pages the team.
      await waitFor('the fire of episode 1', () => heard(receiver, tenant, 'fire', 1)[0]);

      // Silenced as the CLI does it; the episode ends under the silence: the team hears it end.
      const silence = await store.silence(tenant, { queue: 'sq*', reason: 'planned outage', createdBy: 'lead-li', durationMs: 600_000 });
      await silencesSeen(silence.createdAt);
      sl = 0.95;
      const resolve1 = await waitFor('the resolve of episode 1', () => heard(receiver, tenant, 'resolve', 1)[0]);
      expect(resolve1.silenced).toBe(true);

      // Episode 2 starts and ends under the silence: no page, so no resolve either.
      sl = 0.5;
      await alertWhen(store, tenant, 'sq1', 'episode 2 firing', (a) => a.episode === 2 && a.state === 'firing');
      sl = 0.95;
      await alertWhen(store, tenant, 'sq1', 'episode 2 over', (a) => a.episode === 2 && (a.state === 'resolved' || a.state === 'normal'));
      await dispatchSettled(store);
      expect(heard(receiver, tenant, 'fire', 2)).toEqual([]);
      expect(heard(receiver, tenant, 'resolve', 2)).toEqual([]);

      // Unsilenced: a new breach pages again, and its resolve carries no mark.
      await store.unsilence(tenant, silence.id, 'lead-li');
      await silencesSeen(Date.now());
      sl = 0.5;
      expect((await waitFor('the fire of episode 3', () => heard(receiver, tenant, 'fire', 3)[0])).silenced).toBeUndefined();
      sl = 0.95;
      expect((await waitFor('the resolve of episode 3', () => heard(receiver, tenant, 'resolve', 3)[0])).silenced).toBeUndefined();

      // A short silence: the breach under it is held, and paged once the silence expires.
      const short = await store.silence(tenant, { queue: 'sq1', reason: 'five seconds', createdBy: 'lead-li', durationMs: 5000 });
      await silencesSeen(short.createdAt);
      sl = 0.5;
      await alertWhen(store, tenant, 'sq1', 'episode 4 firing', (a) => a.episode === 4 && a.state === 'firing');
      await dispatchSettled(store);
      if (Date.now() < short.expiresAt) expect(heard(receiver, tenant, 'fire', 4)).toEqual([]);
      await waitFor('the fire of episode 4', () => heard(receiver, tenant, 'fire', 4)[0], 30_000);
      const fire4 = receiver.posts.find((p) => p.alerts.some((a) => a.tenantId === tenant && a.kind === 'fire' && a.episode === 4))!;
      expect(fire4.receivedAt).toBeGreaterThanOrEqual(short.expiresAt);
    } finally {
      await pub.stop();
      await alerter.close();
    }
    expect(receiver.posts.filter((p) => p.alerts.some((a) => a.tenantId === tenant)).length).toBe(receiver.unique().filter((p) => p.alerts.some((a) => a.tenantId === tenant)).length);
  }, 180_000);

  it('an unacknowledged critical escalates to the escalation route after escalateAfterMs; an acknowledged one does not', async () => {
    const { stack, redis, receiver: team } = bed;
    const manager = await startWebhookReceiver();
    const tenant = 'escalate-co';
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new AlertStore(redis, namespace);
    const escalateAfterMs = 5000;
    const rules = rulesFile({ team: team.url, manager: manager.url }, { severity: 'critical', escalateAfterMs, routes: ['team'], escalationRoutes: ['manager'] });
    const alerter = testAlerter(stack, store, rules, { groupId: `${stack.prefix}alerter-escalate` });
    await alerter.start();
    let sl = 0.5;
    const pub = publishSnapshots(stack, () => ['unacked', 'acked'].map((q) => snapshot(tenant, q, Date.now(), { answered: 40, withinSl: Math.round(40 * sl) })));
    try {
      const acked = await alertWhen(store, tenant, 'acked', 'the acked queue firing', (a) => a.state === 'firing');
      await store.acknowledge(tenant, acked.fingerprint, 'lead-li');
      await alertWhen(store, tenant, 'unacked', 'the unacked queue firing', (a) => a.state === 'firing');
      const escalation = await waitFor('the escalation', () => heard(manager, tenant, 'escalate')[0], 60_000);
      expect(escalation.queueId).toBe('unacked');
      expect(escalation.routes).toEqual(['manager']);
      // The acknowledged alert was evaluated past its escalation time, and nothing was left to send.
      await alertWhen(store, tenant, 'acked', 'the acked alert evaluated past escalateAfterMs', (a) => a.lastEvaluatedAt >= acked.firedAt! + escalateAfterMs + 500);
      await dispatchSettled(store);
      expect(heard(manager, tenant, 'escalate').map((a) => a.queueId)).toEqual(['unacked']);
      expect(heard(team, tenant, 'escalate')).toEqual([]);
      expect((await store.list(tenant)).find((a) => a.queueId === 'acked')?.escalatedEpisode).toBeUndefined();
      expect(heard(team, tenant, 'fire').map((a) => a.queueId).sort()).toEqual(['acked', 'unacked']);

      // Both resolve: the team hears both, the manager hears the end of the one escalated to them.
      sl = 0.95;
      await waitFor('both resolves at the team', () => (heard(team, tenant, 'resolve').length === 2 ? true : undefined));
      await waitFor('the resolve at the manager', () => heard(manager, tenant, 'resolve')[0]);
      await dispatchSettled(store);
      expect(heard(manager, tenant, 'resolve').map((a) => a.queueId)).toEqual(['unacked']);
    } finally {
      await pub.stop();
      await alerter.close();
      await manager.close();
    }
  }, 120_000);
});
