import { decideNotifications, evaluate, fingerprint, resolveThreshold, rulesForQueue, type RulesFile, sampleRule, type Silence } from '@callboard/alerts';
import type { Logger } from '@callboard/runtime';
import type { QueueView } from '@callboard/windows';
import { describeRule } from './alert-record.js';
import type { AlertStore, DescribedAlertState, OutboxEntry } from './alert-store.js';
import type { AlerterMetrics } from './metrics.js';

/** A queue whose last snapshot is older than this is no longer this instance's to tick (rebalanced away). */
const STALE_VIEW_MS = 10_000;

export interface EvaluatorDeps {
  store: AlertStore;
  rules: () => RulesFile;
  logger: Logger;
  metrics: AlerterMetrics;
  now: () => number;
}

/**
 * Evaluates every rule of a queue on each KPI snapshot and on a wall-clock tick with the latest
 * snapshot, so `forMs`, `keepFiringForMs` and nodata advance without traffic (DESIGN §6).
 */
export class Evaluator {
  private readonly views = new Map<string, { view: QueueView; receivedAt: number }>();
  private silenceCache = new Map<string, { at: number; silences: Silence[] }>();

  constructor(private readonly deps: EvaluatorDeps) {}

  async onSnapshot(view: QueueView): Promise<void> {
    this.views.set(`${view.tenantId}/${view.queueId}`, { view, receivedAt: this.deps.now() });
    await this.evaluateQueue(view, Math.max(Date.parse(view.at), 0));
  }

  async tick(): Promise<void> {
    const now = this.deps.now();
    for (const [key, { view, receivedAt }] of this.views) {
      if (now - receivedAt > STALE_VIEW_MS) {
        this.views.delete(key);
        continue;
      }
      await this.evaluateQueue(view, now);
    }
  }

  private async silences(tenantId: string, at: number): Promise<Silence[]> {
    const cached = this.silenceCache.get(tenantId);
    if (cached && at - cached.at < 1000 && at >= cached.at) return cached.silences;
    const silences = await this.deps.store.silences(tenantId);
    this.silenceCache.set(tenantId, { at, silences });
    return silences;
  }

  private async evaluateQueue(view: QueueView, at: number): Promise<void> {
    const rules = rulesForQueue(this.deps.rules().rules, view.tenantId, view.queueId);
    if (rules.length === 0) return;
    const fps = rules.map((r) => fingerprint(r.id, view.tenantId, view.queueId));
    const [stored, silences] = await Promise.all([this.deps.store.load(view.tenantId, fps), this.silences(view.tenantId, at)]);
    const changes: Parameters<AlertStore['save']>[1] = [];
    rules.forEach((rule, i) => {
      const fp = fps[i]!;
      const prev = stored.get(fp);
      // A snapshot older than the last evaluation (a slow partition) must not move time backwards.
      if (prev && at < prev.state.lastEvaluatedAt) return;
      this.deps.metrics.evaluations.inc();
      const evaluated = evaluate(prev?.state, rule, sampleRule(view, rule), at);
      const decided = decideNotifications(evaluated.state, rule, silences, at);
      // Saved with what its records say of the rule, so REST and a gateway that never saw a record describe it.
      const state: DescribedAlertState = { ...decided.state, ...describeRule(rule) };
      const thresholds = { fire: resolveThreshold(rule.fire, rule.metric, view.slTarget), clear: resolveThreshold(rule.clear ?? rule.fire, rule.metric, view.slTarget) };
      let outbox: OutboxEntry | undefined;
      if (evaluated.transition || decided.notifications.length > 0) {
        outbox = {
          record: {
            kind: evaluated.transition?.kind ?? decided.notifications[0]!.kind,
            state,
            ...(prev ? { previousState: prev.state.state } : {}),
            ...(decided.silencedBy ? { silencedBy: decided.silencedBy } : {}),
            fireThreshold: thresholds.fire,
            clearThreshold: thresholds.clear,
            at,
          },
          notifications: decided.notifications,
        };
      }
      const thresholdsChanged = prev?.thresholds?.fire !== thresholds.fire || prev?.thresholds?.clear !== thresholds.clear;
      changes.push({ state, rev: prev?.rev ?? '0', ...(outbox ? { outbox } : {}), ...(thresholdsChanged ? { thresholds } : {}) });
    });
    const conflicts = await this.deps.store.save(view.tenantId, changes);
    this.deps.metrics.conflicts.inc(conflicts.size);
    for (const change of changes) {
      if (!change.outbox || conflicts.has(change.state.fingerprint)) continue;
      const rule = rules.find((r) => r.id === change.state.ruleId)!;
      this.deps.metrics.transitions.inc({ kind: change.outbox.record.kind, severity: rule.severity });
      if (change.outbox.record.kind === 'fire' || change.outbox.record.kind === 'resolve') {
        this.deps.logger.info({ fingerprint: change.state.fingerprint, ruleId: rule.id, tenantId: view.tenantId, queueId: view.queueId, kind: change.outbox.record.kind, value: change.state.value }, 'alert transition');
      }
    }
  }
}
