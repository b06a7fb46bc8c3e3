/** The parts of the gateway's frames (docs/websocket-protocol.md) the wallboard reads. */
export interface WindowView {
  name: string;
  primarySlValue: number | null;
  asaMs: number | null;
  abandonRate: number | null;
  answerRate: number | null;
  counts: WindowCounts;
  // Wave 2 (issue 11, docs/decisions/0010-service-quality-kpis.md): absent from snapshots written before it.
  outbound?: OutboundView;
  avgFirstResponseMs?: number | null;
  firstResponseWithinTarget?: number | null;
  complaintsPer10k?: number | null;
  csatRate?: number | null;
  nps?: number | null;
  fcrRepeatRate?: number | null;
  fcrRate?: number | null;
}

/** The counters the tiles read; the wave 2 ones are absent from snapshots written before issue 11. */
export interface WindowCounts {
  offered: number;
  answered: number;
  abandoned: number;
  flowedOut?: number;
  outboundAttempts?: number;
  outboundConnected?: number;
  outboundCompleted?: number;
  outboundAbandoned?: number;
  firstResponses?: number;
  surveys?: number;
  csatResponses?: number;
  npsResponses?: number;
  complaintsFiled?: number;
  fcrContacts?: number;
  fcrPending?: number;
}

/** `KpiRatios.outbound` (packages/kpi): a campaign's figures. */
export interface OutboundView {
  attempts: number;
  connected: number;
  succeeded: number;
  abandoned: number;
  failed: { no_answer: number; busy: number; invalid_number: number; rejected: number; other: number };
  connectRate: number | null;
  successRate: number | null;
  avgRingMs: number | null;
  avgTalkMs: number | null;
}

/**
 * One KPI snapshot as frames carry it: a queue's, or the tenant total's (`queueId: null`, key
 * `<tenant>/*`, issue 11), which feeds the tenant strip and is never a tile.
 */
export interface KpiView {
  tenantId: string;
  /** null, or absent (the Avro decoder drops a top-level null), in the tenant total. */
  queueId?: string | null;
  at: string;
  primarySl: string;
  slTarget: number;
  windows: WindowView[];
  live: LiveView;
  /** The tenant's sources (docs/kpi-topic.md `sources`); absent from snapshots of before issue 10. */
  sources?: SourceView[];
  /** Complaints filed this calendar month (the tenant's zone); absent from snapshots of before issue 11. */
  monthToDate?: { month: string; complaintsFiled: number; complaintsPer10kSubscribers: number | null };
}

export interface LiveView {
  callsWaiting: number;
  longestWaitingMs: number | null;
  agentsAvailable: number;
  agentsOnCall: number;
  complaintsOpen?: number;
  complaintsOverdue?: number;
  oldestOpenComplaintAgeMs?: number | null;
}

/** A queue's snapshot: one tile. */
export interface QueueView extends KpiView {
  queueId: string;
}

/** The tenant-total snapshot: queueId null or absent (or `*`, as its topic key `<tenant>/*` names it). */
export function isTenantView(view: KpiView): boolean {
  return view.queueId === null || view.queueId === undefined || view.queueId === '*';
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
  | { type: 'snapshot'; epoch: string; seq: number; queues: KpiView[]; rules?: Record<string, RuleInfo> }
  | { type: 'kpi'; epoch: string; seq: number; queueId: string | null; view: KpiView }
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
