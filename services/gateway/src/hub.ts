import { randomUUID } from 'node:crypto';
import type { KpiView } from '@callboard/windows';

/** Version of the frames in docs/websocket-protocol.md. */
export const PROTOCOL_VERSION = 1;

/** A change of one alert as published on cc.alerts.v1 (services/alerter/src/alert-record.ts). */
export interface AlertRecord {
  fingerprint: string;
  kind: string;
  tenantId: string;
  queueId: string;
  [field: string]: unknown;
}

/**
 * What a rule is, as its alert records say: the wallboard names an alert by its metric and formats
 * the value in that metric's unit, also for alerts it only knows from REST (issue 8 item 14).
 */
export interface RuleInfo {
  ruleName?: string;
  severity?: string;
  metric?: string;
}

/** What the hub needs of a connection; the server adapts a `ws` socket to it, tests use a fake. */
export interface HubClient {
  readonly tenantId: string;
  send(frame: string): void;
  /** Bytes queued in the socket but not yet written. */
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  /** Holds writes until `uncork`, so a burst of frames leaves in one system call. */
  cork?(): void;
  uncork?(): void;
}

export interface HubOptions {
  /** Above this many buffered bytes, KPI frames are coalesced (alerts still go out). */
  maxBufferedBytes: number;
  /** A client over the cap this long is closed with 4008. */
  slowCloseMs: number;
  now?: () => number;
  /** Called when a client is closed for being too slow. */
  onSlowClose?: (client: HubClient) => void;
  /** Called for each KPI frame a slow client did not get because a newer one replaced it. */
  onCoalesced?: () => void;
}

/** The key of the tenant total (`queueId: null`) among a tenant's views, as its cc.kpi.v1 key names it (`<tenant>/*`). */
const TENANT_TOTAL_KEY = '*';

/** A view's key among its tenant's: the queue, or {@link TENANT_TOTAL_KEY} for the tenant total. */
export function viewKey(view: Pick<KpiView, 'queueId'>): string {
  return view.queueId ?? TENANT_TOTAL_KEY;
}

interface Subscription {
  queues: Set<string> | '*';
  /** Window names to include in views; undefined: every window. */
  windows: Set<string> | undefined;
  /** Frames are numbered per connection, so a client that sees a gap knows it lost one (DESIGN §7). */
  seq: number;
  /** Latest unsent KPI view per queue (and tenant total) while the client is over its buffer cap. */
  pending: Map<string, KpiView>;
  overSince: number | undefined;
}

/**
 * Fan-out state of one gateway process (DESIGN §7): the latest KPI view of every queue by tenant, the
 * clients and their subscriptions. Knows nothing of sockets or Kafka, so it is tested by itself.
 * Every frame is scoped by the client's tenant, which comes only from its token.
 */
export class Hub {
  /** Random per process start: a client that sees a new epoch resubscribes. */
  readonly epoch: string = randomUUID();
  private readonly views = new Map<string, Map<string, KpiView>>();
  /** Per tenant, what each rule is (name, severity, metric): from stored alert states at start, then from alert records. */
  private readonly rules = new Map<string, Map<string, RuleInfo>>();
  private readonly clients = new Map<HubClient, Subscription>();
  private readonly now: () => number;

  constructor(private readonly options: HubOptions) {
    this.now = options.now ?? Date.now;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The latest view of every queue of `tenantId`, sorted by queue, then the tenant total (`queueId: null`) when known. */
  tenantViews(tenantId: string): KpiView[] {
    const views = [...(this.views.get(tenantId)?.values() ?? [])];
    const queues = views.filter((v) => v.queueId !== null).sort((a, b) => a.queueId!.localeCompare(b.queueId!));
    return [...queues, ...views.filter((v) => v.queueId === null)];
  }

  /** Every tenant's latest views (for the metrics gauges). */
  *allViews(): Iterable<KpiView> {
    for (const byQueue of this.views.values()) yield* byQueue.values();
  }

  add(client: HubClient): void {
    this.clients.set(client, { queues: new Set(), windows: undefined, seq: 0, pending: new Map(), overSince: undefined });
  }

  remove(client: HubClient): void {
    this.clients.delete(client);
  }

  /**
   * Adds queues (or `'*'`, every queue of the tenant) to the client's subscription, replaces its window
   * filter when given, and sends a snapshot of everything it is now subscribed to.
   */
  subscribe(client: HubClient, queues: string[] | '*', windows?: string[]): void {
    const sub = this.clients.get(client);
    if (!sub) return;
    if (queues === '*') sub.queues = '*';
    else if (sub.queues !== '*') for (const q of queues) sub.queues.add(q);
    if (windows !== undefined) sub.windows = new Set(windows);
    // The snapshot carries the latest of every subscribed queue, so nothing coalesced is still owed.
    sub.pending.clear();
    const views = this.tenantViews(client.tenantId).filter((v) => this.wants(sub, v));
    const rules = Object.fromEntries(this.rules.get(client.tenantId) ?? []);
    this.emit(client, sub, { type: 'snapshot', queues: views.map((v) => this.filterWindows(sub, v)), rules });
  }

  unsubscribe(client: HubClient, queues: string[] | '*'): void {
    const sub = this.clients.get(client);
    if (!sub) return;
    if (queues === '*') sub.queues = new Set();
    else if (sub.queues === '*') {
      // Leaving some queues of "every queue" keeps the ones known now.
      sub.queues = new Set(this.tenantViews(client.tenantId).flatMap((v) => (v.queueId === null || queues.includes(v.queueId) ? [] : [v.queueId])));
    } else for (const q of queues) sub.queues.delete(q);
    for (const q of queues === '*' ? [...sub.pending.keys()] : queues) sub.pending.delete(q);
    // Nothing subscribed any more: the tenant total stops too.
    if (sub.queues.size === 0) sub.pending.delete(TENANT_TOTAL_KEY);
  }

  /** Subscribed queues of a client: `'*'` or the names. */
  subscription(client: HubClient): string[] | '*' | undefined {
    const sub = this.clients.get(client);
    if (!sub) return undefined;
    return sub.queues === '*' ? '*' : [...sub.queues].sort();
  }

  /**
   * Runs `fn` (usually one Kafka batch of snapshots) with every client's socket corked: a client
   * subscribed to many queues gets its frames of the batch in one write, not one write per frame.
   */
  batch(fn: () => void): void {
    const clients = [...this.clients.keys()];
    for (const c of clients) c.cork?.();
    try {
      fn();
    } finally {
      for (const c of clients) c.uncork?.();
    }
  }

  /**
   * A new KPI snapshot from cc.kpi.v1: a queue's, or the tenant total (`queueId: null`), which goes to
   * the same tenant's clients only, like every view. Returns false when an older one than the view
   * held was ignored.
   */
  applySnapshot(view: KpiView): boolean {
    let byQueue = this.views.get(view.tenantId);
    if (!byQueue) {
      byQueue = new Map();
      this.views.set(view.tenantId, byQueue);
    }
    const key = viewKey(view);
    const held = byQueue.get(key);
    // Replays of the compacted topic and redeliveries must not move a queue back in time.
    if (held && Date.parse(held.at) > Date.parse(view.at)) return false;
    byQueue.set(key, view);
    // Fan-out serialises the view once per distinct window filter, not once per client.
    const bodies = new Map<string, string>();
    for (const [client, sub] of this.clients) {
      if (client.tenantId !== view.tenantId || !this.wants(sub, view)) continue;
      if (sub.pending.size > 0 || this.over(client, sub)) {
        if (sub.pending.has(key)) this.options.onCoalesced?.();
        sub.pending.set(key, view);
        continue;
      }
      const filter = sub.windows ? [...sub.windows].sort().join(',') : '*';
      let body = bodies.get(filter);
      if (body === undefined) {
        body = JSON.stringify({ tenantId: view.tenantId, queueId: view.queueId, view: this.filterWindows(sub, view) }).slice(1);
        bodies.set(filter, body);
      }
      this.emitBody(client, sub, 'kpi', body);
    }
    return true;
  }

  /**
   * Learns what rules are from stored alert states (the AlertStore's list, which saves each state with
   * its rule's name, severity and metric): alerts that fired before this process started are named in
   * every snapshot. A rule already learnt from a record keeps that, as a record is newer.
   */
  describeRules(tenantId: string, alerts: Iterable<{ ruleId: string } & RuleInfo>): void {
    for (const alert of alerts) this.learnRule(tenantId, alert.ruleId, alert, false);
  }

  /** An alert change from cc.alerts.v1: sent to every subscribed client of the tenant, never dropped. */
  applyAlert(alert: AlertRecord): void {
    if (typeof alert.ruleId === 'string') this.learnRule(alert.tenantId, alert.ruleId, { ruleName: alert.ruleName, severity: alert.severity, metric: alert.metric }, true);
    for (const [client, sub] of this.clients) {
      if (client.tenantId !== alert.tenantId || !this.wantsQueue(sub, alert.queueId)) continue;
      this.emit(client, sub, { type: 'alert', alert });
    }
  }

  /**
   * Periodic backpressure pass: flushes coalesced KPI frames of clients that drained, and closes
   * clients that stayed over the cap longer than `slowCloseMs` with 4008.
   */
  tick(): void {
    const now = this.now();
    for (const [client, sub] of this.clients) {
      if (this.over(client, sub)) {
        sub.overSince ??= now;
        if (now - sub.overSince > this.options.slowCloseMs) {
          this.clients.delete(client);
          this.options.onSlowClose?.(client);
          client.close(4008, 'too slow');
        }
        continue;
      }
      sub.overSince = undefined;
      if (sub.pending.size === 0) continue;
      const pending = [...sub.pending.values()];
      sub.pending.clear();
      for (const view of pending) this.emit(client, sub, { type: 'kpi', tenantId: view.tenantId, queueId: view.queueId, view: this.filterWindows(sub, view) });
    }
  }

  /** Remembers what `source` (a record or a stored state) says of a rule; `replace`: over what is known. */
  private learnRule(tenantId: string, ruleId: string, source: Partial<Record<keyof RuleInfo, unknown>>, replace: boolean): void {
    let byRule = this.rules.get(tenantId);
    if (!byRule) {
      byRule = new Map();
      this.rules.set(tenantId, byRule);
    }
    if (!replace && byRule.has(ruleId)) return;
    const info: RuleInfo = {};
    for (const field of ['ruleName', 'severity', 'metric'] as const) {
      const value = source[field];
      if (typeof value === 'string') info[field] = value;
    }
    // A state saved before states carried a description says nothing: it is not an answer.
    if (replace || Object.keys(info).length > 0) byRule.set(ruleId, info);
  }

  private over(client: HubClient, sub: Subscription): boolean {
    const over = client.bufferedAmount() > this.options.maxBufferedBytes;
    if (over) sub.overSince ??= this.now();
    return over;
  }

  /** A queue's view when the client subscribed to it; the tenant total with any subscription at all. */
  private wants(sub: Subscription, view: Pick<KpiView, 'queueId'>): boolean {
    if (view.queueId === null) return sub.queues === '*' || sub.queues.size > 0;
    return this.wantsQueue(sub, view.queueId);
  }

  private wantsQueue(sub: Subscription, queueId: string): boolean {
    return sub.queues === '*' || sub.queues.has(queueId);
  }

  private filterWindows<V extends KpiView>(sub: Subscription, view: V): V {
    const windows = sub.windows;
    return windows ? { ...view, windows: view.windows.filter((w) => windows.has(w.name)) } : view;
  }

  private emit(client: HubClient, sub: Subscription, frame: { type: string; [field: string]: unknown }): void {
    const { type, ...rest } = frame;
    this.emitBody(client, sub, type, JSON.stringify(rest).slice(1));
  }

  /** Sends a data frame; `body` is a serialised object without its opening brace (`"a":1}` or `}`). */
  private emitBody(client: HubClient, sub: Subscription, type: string, body: string): void {
    sub.seq += 1;
    const head = `{"type":${JSON.stringify(type)},"v":${PROTOCOL_VERSION},"epoch":${JSON.stringify(this.epoch)},"seq":${sub.seq}`;
    client.send(body === '}' ? `${head}}` : `${head},${body}`);
  }
}
