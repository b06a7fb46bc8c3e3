import { decideNotifications, evaluate, fingerprint, isSourceMetric, resolveThreshold, type Rule, rulesForQueue, type RulesFile, type Sample, sampleRule, sampleSourceMetric, type Silence, snapshotQueueId } from '@callboard/alerts';
import type { Logger } from '@callboard/runtime';
import type { KpiView } from '@callboard/windows';
import { describeRule } from './alert-record.js';
import type { AlertStore, DescribedAlertState, OutboxEntry } from './alert-store.js';
import type { AlerterMetrics } from './metrics.js';

/** A queue whose last snapshot is older than this is no longer this instance's to tick (rebalanced away). */
const STALE_VIEW_MS = 10_000;

/**
 * What stands in the queue's place in a source alert's identity and records: `source:<source>`, so
 * one alert per (rule, tenant, source) and a wallboard banner that names the source
 * (docs/decisions/0008-source-freshness.md). No queue id holds a colon, so it never meets a queue's.
 */
export function sourceAlertQueueId(source: string): string {
  return `source:${source}`;
}

/** One alert to evaluate: a rule, what stands in its queue's place, and its sample. */
interface Target {
  rule: Rule;
  sample: Sample;
}

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
  private readonly views = new Map<string, { view: KpiView; receivedAt: number }>();
  private silenceCache = new Map<string, { at: number; silences: Silence[] }>();
  /** When each tenant's sources were last evaluated: every queue of a tenant carries the same list. */
  private readonly sourcesEvaluatedAt = new Map<string, number>();

  constructor(private readonly deps: EvaluatorDeps) {}

  async onSnapshot(view: KpiView): Promise<void> {
    this.views.set(`${view.tenantId}/${snapshotQueueId(view)}`, { view, receivedAt: this.deps.now() });
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

  /**
   * The rules of one queue's snapshot (or, for the tenant-total snapshot, the rules of level
   * "tenant"), and once per tenant and instant the source rules, one alert per source in the
   * snapshot's `sources` (issue 10 item 5).
   */
  private async evaluateQueue(view: KpiView, at: number): Promise<void> {
    const rules = rulesForQueue(this.deps.rules().rules, view.tenantId, view.queueId);
    if (rules.length === 0) return;
    const targets: Target[] = [];
    const sourceRules: Rule[] = [];
    for (const rule of rules) {
      if (isSourceMetric(rule.metric)) sourceRules.push(rule);
      else targets.push({ rule, sample: sampleRule(view, rule) });
    }
    if (sourceRules.length > 0 && at > (this.sourcesEvaluatedAt.get(view.tenantId) ?? -Infinity)) {
      this.sourcesEvaluatedAt.set(view.tenantId, at);
      const sinceSnapshotMs = at - Date.parse(view.at);
      for (const freshness of view.sources ?? []) {
        for (const rule of sourceRules) {
          const reading = sampleSourceMetric(freshness, rule.metric as Parameters<typeof sampleSourceMetric>[1], sinceSnapshotMs);
          targets.push({ rule, sample: { tenantId: view.tenantId, queueId: sourceAlertQueueId(freshness.source), value: reading.value, volume: reading.volume, slTarget: view.slTarget } });
        }
      }
    }
    if (targets.length > 0) await this.evaluateTargets(view, targets, at);
  }

  private async evaluateTargets(view: KpiView, targets: readonly Target[], at: number): Promise<void> {
    const fps = targets.map((t) => fingerprint(t.rule.id, view.tenantId, t.sample.queueId));
    const [stored, silences] = await Promise.all([this.deps.store.load(view.tenantId, fps), this.silences(view.tenantId, at)]);
    const changes: Parameters<AlertStore['save']>[1] = [];
    targets.forEach(({ rule, sample }, i) => {
      const fp = fps[i]!;
      const prev = stored.get(fp);
      // A snapshot older than the last evaluation (a slow partition) must not move time backwards.
      if (prev && at < prev.state.lastEvaluatedAt) return;
      this.deps.metrics.evaluations.inc();
      const evaluated = evaluate(prev?.state, rule, sample, at);
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
      const rule = targets.find((t) => t.rule.id === change.state.ruleId)!.rule;
      this.deps.metrics.transitions.inc({ kind: change.outbox.record.kind, severity: rule.severity });
      if (change.outbox.record.kind === 'fire' || change.outbox.record.kind === 'resolve') {
        this.deps.logger.info({ fingerprint: change.state.fingerprint, ruleId: rule.id, tenantId: view.tenantId, queueId: change.state.queueId, kind: change.outbox.record.kind, value: change.state.value }, 'alert transition');
      }
    }
  }
}
