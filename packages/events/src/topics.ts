/**
 * The one declaration of every Kafka topic callboard uses. Provisioning creates exactly these,
 * and every producer and consumer takes the names from here.
 */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** What the record key is, for the docs and for partitioning. */
  key: string;
  /** The Avro schema registered under `${name}-value` (TopicNameStrategy); none yet for topics whose service has not landed. */
  valueSchema?: SchemaName;
  config: Record<string, string>;
}

export type SchemaName = 'call-event' | 'agent-event' | 'feedback-event' | 'dlq-record' | 'late-record' | 'kpi-snapshot' | 'alert' | 'source-heartbeat';

const DAY_MS = 24 * 3600 * 1000;

export const TOPICS = {
  callEvents: {
    name: 'cc.call-events.v1',
    partitions: 6,
    key: 'callId',
    valueSchema: 'call-event',
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
  },
  agentEvents: {
    name: 'cc.agent-events.v1',
    partitions: 6,
    key: 'agentId',
    valueSchema: 'agent-event',
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
  },
  feedbackEvents: {
    // Complaints and surveys (docs/decisions/0010-service-quality-kpis.md): keyed by complaintId or
    // surveyId so every event of one complaint shares a partition; kept 30 days, longer than calls,
    // because a complaint may stay open for weeks and a restart must still find its filing.
    name: 'cc.feedback-events.v1',
    partitions: 3,
    key: 'complaintId | surveyId',
    valueSchema: 'feedback-event',
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY_MS) },
  },
  kpi: {
    name: 'cc.kpi.v1',
    partitions: 6,
    key: 'tenantId/queueId',
    valueSchema: 'kpi-snapshot',
    // Compacted: a new subscriber reads the latest snapshot of every queue. A short segment lets
    // compaction keep up with a snapshot per queue per second.
    config: { 'cleanup.policy': 'compact', 'segment.ms': String(3600 * 1000), 'min.cleanable.dirty.ratio': '0.1' },
  },
  alerts: {
    name: 'cc.alerts.v1',
    partitions: 3,
    key: 'fingerprint',
    valueSchema: 'alert',
    config: { 'cleanup.policy': 'compact', 'segment.ms': String(6 * 3600 * 1000) },
  },
  dlq: {
    name: 'cc.dlq.v1',
    partitions: 3,
    key: 'source topic/partition/offset',
    valueSchema: 'dlq-record',
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY_MS) },
  },
  late: {
    name: 'cc.late.v1',
    partitions: 3,
    key: 'tenantId/queueId',
    valueSchema: 'late-record',
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY_MS) },
  },
  sourceStatus: {
    name: 'cc.source-status.v1',
    partitions: 3,
    key: 'tenantId/source',
    valueSchema: 'source-heartbeat',
    // Compacted: the latest heartbeat of every source survives; a heartbeat every 10 s per source is
    // tiny, and a short segment lets compaction drop the old ones (docs/decisions/0008-source-freshness.md).
    config: { 'cleanup.policy': 'compact', 'segment.ms': String(3600 * 1000), 'min.cleanable.dirty.ratio': '0.1' },
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPICS;
export type Topology = { readonly [K in TopicKey]: TopicSpec };

/**
 * The topics under an optional name prefix. Production uses none; tests and side-by-side
 * environments on one cluster use their own, so they never share a topic.
 */
export function createTopology(prefix = ''): Topology {
  const entries = Object.entries(TOPICS).map(([key, spec]) => [key, { ...spec, name: `${prefix}${spec.name}` }]);
  return Object.freeze(Object.fromEntries(entries)) as Topology;
}

export const DEFAULT_TOPOLOGY: Topology = createTopology();

/** The topics of canonical events, which the aggregator consumes: calls, agents, and complaints and surveys. */
export function inputTopics(topology: Topology): TopicSpec[] {
  return [topology.callEvents, topology.agentEvents, topology.feedbackEvents];
}

export function topologyTopics(topology: Topology): TopicSpec[] {
  return Object.values(topology);
}

export function topicByName(topology: Topology, name: string): TopicSpec | undefined {
  return topologyTopics(topology).find((t) => t.name === name);
}

/** TopicNameStrategy: the value schema of topic T is registered under subject `T-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
