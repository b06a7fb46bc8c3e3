/** The parts of the gateway's frames (docs/websocket-protocol.md) the wallboard reads. */
export interface WindowView {
  name: string;
  primarySlValue: number | null;
  asaMs: number | null;
  abandonRate: number | null;
  answerRate: number | null;
  counts: { offered: number; answered: number; abandoned: number };
}

export interface QueueView {
  tenantId: string;
  queueId: string;
  at: string;
  primarySl: string;
  slTarget: number;
  windows: WindowView[];
  live: { callsWaiting: number; longestWaitingMs: number | null; agentsAvailable: number; agentsOnCall: number };
  /** The tenant's sources (docs/kpi-topic.md `sources`); absent from snapshots of before issue 10. */
  sources?: SourceView[];
}

/** One source's freshness in a snapshot, as of the snapshot's `at`. */
export interface SourceView {
  source: string;
  newestEventAt: string | null;
  newestEventAgeMs: number | null;
  heartbeatAgeMs: number | null;
  stale: boolean;
  staleReason: string | null;
}

export type Severity = 'critical' | 'warning' | 'info';

/** One alert as the banner shows it, merged from REST (`AlertState`) and `alert` frames. */
export interface AlertView {
  fingerprint: string;
  queueId: string;
  ruleId: string;
  ruleName?: string;
  severity?: Severity;
  /** The rule's metric (packages/alerts/src/metrics.ts): it gives the value its unit and the alert its name. */
  metric?: string;
  state: string;
  value: number | null;
  ackBy: string | null;
}

export type Role = 'wallboard' | 'lead' | 'admin';

/** What the gateway knows of a rule from its alert records (the `rules` of a `snapshot` frame). */
export interface RuleInfo {
  ruleName?: string;
  severity?: Severity;
  metric?: string;
}

export interface SeriesPoint {
  at: number;
  value: number | null;
}

export type ServerFrame =
  | { type: 'hello'; epoch: string; tenantId: string; role: Role }
  | { type: 'snapshot'; epoch: string; seq: number; queues: QueueView[]; rules?: Record<string, RuleInfo> }
  | { type: 'kpi'; epoch: string; seq: number; queueId: string; view: QueueView }
  | { type: 'alert'; epoch: string; seq: number; alert: AlertRecord }
  | { type: 'acked' | 'unacked'; fingerprint: string; alert: AlertStateJson }
  | { type: 'error'; code: string; message: string }
  | { type: 'pong' | 'unsubscribed' };

/** A cc.alerts.v1 record (packages/events/schemas/alert.avsc). */
export interface AlertRecord {
  fingerprint: string;
  kind: string;
  ruleId: string;
  ruleName: string;
  severity: Severity;
  queueId: string;
  metric: string;
  state: string;
  value: number | null;
  ackBy: string | null;
  at: number;
}

/**
 * An `AlertState` as GET /api/v1/tenants/:t/alerts and `acked` answer it: no rule name, severity or
 * metric; those come from the `rules` of the snapshot and from alert frames.
 */
export interface AlertStateJson {
  fingerprint: string;
  ruleId: string;
  queueId: string;
  state: string;
  value: number | null;
  ack?: { by: string; at: number };
}
