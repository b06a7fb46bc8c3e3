import type { Cluster, Redis } from 'ioredis';
import { CallboardError } from '@callboard/errors';
import { type CallEvent, type CanonicalEvent, formatJsonLine, isAgentEvent, isCallEvent, isComplaintEvent, isSurveyEvent } from '@callboard/events';
import {
  contribution,
  COUNT_FIELDS,
  DEFAULT_TENANT_KPI_SETTINGS,
  emptyCounts,
  type KpiCounts,
  outboundContribution,
  QUEUE_COUNT_FIELDS,
  type QueueKpiSettings,
  surveyContribution,
  TENANT_COUNT_FIELDS,
  type TenantKpiSettings,
} from '@callboard/kpi';
import {
  activeQueuesKey,
  activeTenantsKey,
  BUCKET_KEY_TAGS,
  FINE_BUCKET_MS,
  FINE_GROUP_MS,
  FINE_SLOTS_PER_GROUP,
  fineGroupStart,
  fineSlot,
  INTERVAL_BUCKET_MS,
  intervalStart,
  legacyLateOutboxKey,
  legacyPartitionKey,
  offsetsField,
  partitionIndexKey,
  queueKeys,
  type QueueKeys,
  tenantAgentsKey,
  tenantKeys,
} from './bucket-keys.js';
import { decodeAgentValue, encodeAgentValue } from './agent-value.js';
import { loadStoreScripts } from './script-loader.js';

const MAX_FIELD_INDEX = COUNT_FIELDS.indexOf('maxWaitMs');
/**
 * The one-letter code apply-queue.lua takes for each call event type (and stores in a visit hash);
 * an outbound offer is `p` (decision 0010 §2), a survey `s`.
 */
const TYPE_CODES: Record<CallEvent['type'], string> = { 'call.offered': 'o', 'call.answered': 'a', 'call.abandoned': 'b', 'call.flowed_out': 'f', 'call.completed': 'c' };

const FIELD_INDEX: ReadonlyMap<string, number> = new Map(COUNT_FIELDS.map((field, idx) => [field, idx]));

/**
 * A contribution as apply-queue.lua takes it: index, value pairs over COUNT_FIELDS, zeros left out.
 * Walks the contribution's own few fields, not all of COUNT_FIELDS (twice per event on the hot path).
 */
function contributionList(delta: Partial<KpiCounts>): number[] {
  const list: number[] = [];
  for (const field in delta) {
    const v = delta[field as keyof KpiCounts];
    if (v !== undefined && v !== 0) list.push(FIELD_INDEX.get(field)!, v);
  }
  return list;
}
/**
 * The most distinct events one visit remembers (docs/redis-keys.md). A real visit has three to
 * five; past this a new eventId is counted as an anomaly and not kept, so a broken source cannot
 * grow one key, or the work of judging it, without bound.
 */
const MAX_VISIT_EVENTS = 32;
const HOUR_MS = 3600_000;
/** Complaints filed per month are kept 400 days (decision 0010 §4). */
const MONTH_COUNTER_TTL_S = 400 * 24 * 3600;
const TENANT_FIELDS_JSON = JSON.stringify(TENANT_COUNT_FIELDS);
const FCR_CONTACTS_INDEX = TENANT_COUNT_FIELDS.indexOf('fcrContacts');
const FCR_REPEATED_INDEX = TENANT_COUNT_FIELDS.indexOf('fcrRepeated');
/** The most contact facts one drain call takes from one queue's outbox. */
const MAX_DRAIN_FACTS = 1000;
/** The bucket layout every apply script takes, in this order (bucket-keys.ts). */
const BUCKET_LAYOUT_ARGS = [FINE_GROUP_MS, FINE_BUCKET_MS, INTERVAL_BUCKET_MS, BUCKET_KEY_TAGS.fine, BUCKET_KEY_TAGS.interval] as const;
const COMPLAINT_CODES = { 'complaint.filed': 'F', 'complaint.responded': 'R', 'complaint.resolved': 'X' } as const;

/** The UTC calendar month of an instant, `YYYY-MM`: the default of {@link ApplyBatchInput.monthOf}. */
function utcMonth(_tenantId: string, ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** One complaint as the store keeps it (decision 0010 §4): its `meta`. */
export interface ComplaintMeta {
  complaintId: string;
  tenantId: string;
  queueId: string | null;
  severity: 'normal' | 'urgent';
  category: string;
  channel: string;
  filedAt: number;
  dueAt: number;
  respondedAt: number | null;
  closedAt: number | null;
}

/** Complaints of a queue or a tenant at a given now (decision 0010 §4). */
export interface ComplaintLiveState {
  complaintsOpen: number;
  /** Open, not responded, due before now. */
  complaintsOverdue: number;
  oldestOpenComplaintAgeMs: number | null;
}

/**
 * The most Redis keys one range read may touch (issue 8 item 2): a read is one script call on one
 * Redis, so an unbounded range would block it for every tenant. 8 days of interval buckets are 768
 * keys, plus at most one interval of fine groups at the right edge, so every span the store can
 * answer fits; what does not is refused with `CB_RANGE_TOO_LARGE` before a key is built.
 */
export const MAX_READ_KEYS = 1000;

export interface WindowStoreOptions {
  /** Key namespace; tests use their own. Default `cb`. */
  namespace?: string;
  /** Lateness allowed against the partition watermark (DESIGN §4). Default 2 h. */
  graceMs?: number;
  /** How long fine buckets are read at 10 s precision. Default 2 h; they are kept this plus grace. */
  fineRetentionMs?: number;
  /** How long interval buckets are kept. Default 8 days. */
  intervalRetentionMs?: number;
  /** A waiting call older than this is assumed lost (its outcome never came) and no longer counted. Default 4 h. */
  maxWaitingAgeMs?: number;
}

export interface PartitionRef {
  group: string;
  topic: string;
  partition: number;
}

export interface ApplyBatchInput extends PartitionRef {
  /** Valid events in offset order. */
  events: { offset: string; event: CanonicalEvent }[];
  /** The batch's last offset, valid or not; defaults to the last event's. */
  lastOffset?: string;
  settingsFor(tenantId: string, queueId: string): QueueKpiSettings;
  /** A tenant's complaint and repeat-contact settings (decision 0010 §4, §5). Default: DEFAULT_TENANT_KPI_SETTINGS. */
  tenantSettingsFor?(tenantId: string): TenantKpiSettings;
  /** The calendar month ('YYYY-MM') of an instant in the tenant's zone, for the month complaint counter. Default: UTC. */
  monthOf?(tenantId: string, ms: number): string;
  nowMs: number;
}

export interface ApplyBatchResult {
  applied: number;
  duplicates: number;
  anomalies: number;
  late: number;
  redelivered: number;
  /** Earlier events whose verdict an arrival of this batch changed (docs/decisions/0006-invalid-visits.md). */
  revised: number;
  /** The batch's last offset, valid or not. */
  lastOffset: number;
  /** The partition watermark after the batch. */
  watermark: number;
  /** Members (`q:<tenant>:<queue>`, `a:<tenant>`) whose late list holds entries: drain them. */
  lateMembers: string[];
  /** Queue members (`q:<tenant>:<queue>`) whose contact outbox held facts after their call (decision 0010 §5); the store drains them. */
  contactMembers: string[];
}

/** An outbox entry for `cc.late.v1`. */
export interface LateEntry {
  offset: number;
  /** The partition watermark the event was judged against. */
  watermark: number;
  event: string;
  /** The queue or tenant whose late list holds it. */
  member: string;
}

/** See {@link WindowStore.resumePoint}. */
export interface ResumePoint {
  /** The offset to replay from, when a queue or tenant missed writes; undefined: Kafka's committed offset stands. */
  resumeAt: number | undefined;
  /** Every offset up to this one is applied to every queue and tenant of the partition (-1: none). */
  applied: number;
  /** The partition watermark before the resume point. */
  watermark: number;
  /** Offsets up to this one were applied before a migration from the previous layout (-1: none). */
  base: number;
  /** The queues and tenants the partition has touched. */
  members: string[];
  /**
   * Per member, the offset it holds applied (-1: none) and where it would replay from: its stored
   * offset + 1 with the watermark stored there, or, when it holds none, its first batch in the index.
   */
  held: Map<string, MemberHold>;
}

/** What the store expects a queue or tenant to hold for a partition (decision 0007 "Failover"). */
interface MemberHold {
  /** The applied offset stored beside the member (-1: none). */
  offset: number;
  /** Where the partition replays from when the member turns out to hold less than `offset`. */
  from: { offset: number; watermark: number };
}

/** A member whose stored offset was not the one this store expected: the reply of a -3. */
interface Divergence {
  member: string;
  expected: MemberHold;
  stored: { offset: number; watermark: number };
}

/** One script call of a batch: the events of one queue, or the agent events of one tenant. */
interface MemberCall {
  kind: 'queue' | 'agents' | 'complaints';
  member: string;
  activeMember: string;
  prefix: string;
  keys: string[];
  events: Record<string, unknown>[];
  /** The partition watermark after the batch. */
  watermark: number;
  /** The applied offset the member held after this store's last call, or at resume; undefined: not known. */
  expected: MemberHold | undefined;
}

/** What the store knows of one partition between batches. */
interface PartitionState {
  /** The partition watermark as of the last batch. */
  watermark: number;
  /** Offsets up to this one were applied before a migration from the previous layout (-1: none). */
  base: number;
  /** Per member, what it holds, as this store last wrote or read it. */
  held: Map<string, MemberHold>;
  /** The members at resume: their contact outboxes are drained with the next batch (decision 0010 §5). */
  drainAtResume: string[];
}

/** A contact fact of a queue's outbox (apply-queue.lua), with its queue. */
interface ContactFact {
  q: string;
  c: string;
  t?: number;
  k?: string;
  h?: number;
  pk?: string;
}

function defaultTenantSettings(): TenantKpiSettings {
  return DEFAULT_TENANT_KPI_SETTINGS;
}

function partitionId(ref: PartitionRef): string {
  return offsetsField(ref.group, ref.topic, ref.partition);
}

/** "<offset>:<watermark>", as the apply scripts and touch-partition-1.lua store them. */
function parseOffsetValue(value: string | undefined): { offset: number; watermark: number } | undefined {
  if (value === undefined) return undefined;
  const [offset, watermark] = value.split(':').map(Number);
  return { offset: offset!, watermark: watermark ?? 0 };
}

export interface LiveQueueState {
  callsWaiting: number;
  longestWaitingMs: number | null;
  agents: Record<'logged_out' | 'available' | 'on_call' | 'wrap_up' | 'away', number>;
  /**
   * The skills (`queueIds`) of every agent staffed in this queue (available, on a call or in
   * wrap-up), one list per agent: planning splits a multi-queue agent between its queues.
   */
  staffedAgentQueues: string[][];
  occupancy: number | null;
}

export interface RangeRead {
  counts: KpiCounts;
  /** The range actually covered: the request widened to whole buckets. */
  from: number;
  to: number;
  /** 10 000 where every edge fell inside fine retention, 900 000 otherwise. */
  precisionMs: number;
}

interface Plan {
  keys: string[];
  specs: string[];
}

/** What a range plan needs of a key space: a queue's own buckets or its (or the tenant level's) tenant-tag ones. */
type BucketKeyBuilder = Pick<QueueKeys, 'fine' | 'interval'>;

/**
 * The Redis KPI store (DESIGN §4, §5): applies partition batches exactly once with one script call
 * each, and reads any window back as counters.
 */
export class WindowStore {
  readonly namespace: string;
  readonly graceMs: number;
  readonly fineRetentionMs: number;
  readonly intervalRetentionMs: number;
  readonly maxWaitingAgeMs: number;
  private readonly keyCache = new Map<string, QueueKeys>();
  /** What this store knows of each partition it applied or resumed. */
  private readonly partitions = new Map<string, PartitionState>();
  /** The event clock this store last saw stored per tenant: a drain call is skipped when a batch cannot move it. */
  private readonly clocks = new Map<string, number>();

  constructor(
    readonly redis: Redis | Cluster,
    options: WindowStoreOptions = {},
  ) {
    this.namespace = options.namespace ?? 'cb';
    this.graceMs = options.graceMs ?? 2 * HOUR_MS;
    this.fineRetentionMs = options.fineRetentionMs ?? 2 * HOUR_MS;
    this.intervalRetentionMs = options.intervalRetentionMs ?? 8 * 24 * HOUR_MS;
    this.maxWaitingAgeMs = options.maxWaitingAgeMs ?? 4 * HOUR_MS;
    loadStoreScripts(redis);
  }

  /** How long a visit is kept after its last write, ms: an event older than that is judged afresh. */
  private get visitTtlMs(): number {
    return 2 * this.graceMs + HOUR_MS;
  }

  /** TTL of fine buckets, s: fine retention plus grace. */
  private get fineTtlS(): number {
    return Math.ceil((this.fineRetentionMs + this.graceMs) / 1000);
  }

  /** TTL of interval buckets (and stats, complaints, the clock), s. */
  private get intervalTtlS(): number {
    return Math.ceil(this.intervalRetentionMs / 1000);
  }

  keys(tenantId: string, queueId: string): QueueKeys {
    const id = `${tenantId}\u0000${queueId}`;
    let keys = this.keyCache.get(id);
    if (!keys) {
      keys = queueKeys(this.namespace, tenantId, queueId);
      this.keyCache.set(id, keys);
    }
    return keys;
  }

  /**
   * Applies one partition batch: one script call per queue it touches and one per tenant with agent
   * events, each in its own hash slot, all issued before any is awaited, after a call recording the
   * partition's members (docs/decisions/0007-one-slot-per-call.md). Offsets at or below a queue's
   * stored one are skipped by that queue.
   */
  async applyBatch(input: ApplyBatchInput): Promise<ApplyBatchResult> {
    const ref: PartitionRef = { group: input.group, topic: input.topic, partition: input.partition };
    const id = partitionId(ref);
    let state = this.partitions.get(id);
    if (!state) state = this.remember(ref, await this.resumePoint(ref));
    const known = state;
    const batchLast = Number(input.lastOffset ?? input.events.at(-1)?.offset ?? -1);
    const total: ApplyBatchResult = { applied: 0, duplicates: 0, anomalies: 0, late: 0, redelivered: 0, revised: 0, lastOffset: batchLast, watermark: state.watermark, lateMembers: [], contactMembers: [] };
    // Offsets a migrated store had applied before its migration, for every queue (store migrate).
    const events = input.events.filter(({ offset }) => Number(offset) > known.base);
    total.redelivered += input.events.length - events.length;
    if (events.length === 0) return total;

    let pending = this.planBatch(ref, events, input, known);
    // The index call travels with the queue calls, not before them: it matters only once the batch
    // is committed to Kafka, which waits for every call (decision 0007 "Resume").
    let touched: Promise<number> | undefined = this.call('recording the partition\'s queues', () =>
      this.redis.cbTouchPartition(partitionIndexKey(this.namespace, ref.group, ref.topic, ref.partition), Number(events[0]!.offset), known.watermark, batchLast, ...pending.map((c) => c.member)),
    );
    const active: string[] = [];
    const activeTenants: string[] = [];
    /** Per tenant, the newest applied call-event time of the batch: its event clock. */
    const clocks = new Map<string, number>();
    /** The facts each queue's reply carried from its outbox. */
    const outboxes = new Map<string, string[]>();
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > 4) throw new CallboardError('CB_REDIS_SCRIPT', `applying a batch of ${ref.topic}[${ref.partition}]: the queue calls did not settle after ${round} rounds`);
      const calls = pending.map((c) => this.callMember(c, ref, batchLast));
      const [replies] = await Promise.all([Promise.all(calls), touched]);
      touched = undefined;
      const again: MemberCall[] = [];
      const diverged: Divergence[] = [];
      let staleWatermark: number | undefined;
      replies.forEach((reply, i) => {
        const c = pending[i]!;
        if (reply[0] === -3) {
          diverged.push({ member: c.member, expected: c.expected!, stored: { offset: Number(reply[1]), watermark: Number(reply[2]) } });
        } else if (reply[0] === -1) {
          staleWatermark = Math.max(staleWatermark ?? 0, Number(reply[1]));
          again.push(c);
        } else if (reply[0] === -2) {
          // Buckets of a re-judged earlier event of a visit: declare them and call again.
          for (const key of reply.slice(1)) c.keys.push(String(key));
          again.push(c);
        } else {
          const [applied, duplicates, anomalies, late, redelivered, revised, judged, lateLength, held, outboxLength, newestApplied] = reply.slice(0, 11).map(Number) as number[];
          total.applied += applied!;
          total.duplicates += duplicates!;
          total.anomalies += anomalies!;
          total.late += late!;
          total.redelivered += redelivered!;
          total.revised += revised!;
          if (judged! > 0 && c.kind === 'queue') active.push(c.activeMember);
          if (judged! > 0 && c.kind === 'complaints') activeTenants.push(c.activeMember);
          if (c.kind === 'queue' && newestApplied! >= 0) {
            const tenantId = c.member.split(':')[1]!;
            clocks.set(tenantId, Math.max(clocks.get(tenantId) ?? -1, newestApplied!));
          }
          if (lateLength! > 0) total.lateMembers.push(c.member);
          if (c.kind === 'queue' && outboxLength! > 0) {
            total.contactMembers.push(c.member);
            outboxes.set(c.member, reply[11] as unknown as string[]);
          }
          if (!c.expected || held! > c.expected.offset) known.held.set(c.member, { offset: held!, from: { offset: held! + 1, watermark: c.watermark } });
        }
      });
      if (diverged.length > 0) throw await this.diverged(ref, diverged);
      if (staleWatermark !== undefined) {
        // Another instance moved this partition on since this store last looked: judge again with
        // the stored watermark (the failed calls wrote nothing).
        known.watermark = Math.max(known.watermark, staleWatermark);
        const fresh = new Map(this.planBatch(ref, events, input, known).map((c) => [c.member, c]));
        pending = again.map((c) => ({ ...fresh.get(c.member)!, keys: [...new Set([...fresh.get(c.member)!.keys, ...c.keys])] }));
      } else pending = again;
    }
    // Contact facts into the tenants, with their clocks; at resume every queue of the partition.
    const drain = [...new Set([...known.drainAtResume, ...total.contactMembers])];
    known.drainAtResume = [];
    // The active indexes are loss-tolerant (a queue's next write adds it again): their own calls,
    // beside the drain.
    const nowMs = input.nowMs;
    await Promise.all([
      this.drainContacts(drain, clocks, input.tenantSettingsFor ?? defaultTenantSettings, outboxes),
      active.length > 0 ? this.call('marking queues active', () => this.redis.zadd(activeQueuesKey(this.namespace), ...active.flatMap((m) => [nowMs, m]))) : undefined,
      activeTenants.length > 0 ? this.call('marking tenants active', () => this.redis.zadd(activeTenantsKey(this.namespace), ...activeTenants.flatMap((m) => [nowMs, m]))) : undefined,
    ]);
    known.watermark = events.reduce((wm, { event }) => Math.max(wm, Date.parse(event.occurredAt)), known.watermark);
    total.watermark = known.watermark;
    return total;
  }

  /** Starts this store's picture of a partition from what Redis holds. */
  private remember(ref: PartitionRef, point: ResumePoint): PartitionState {
    const state: PartitionState = { watermark: point.watermark, base: point.base, held: new Map(point.held), drainAtResume: point.members.filter((m) => m.startsWith('q:')) };
    this.partitions.set(partitionId(ref), state);
    return state;
  }

  /**
   * Some members hold another applied offset than this store left them with (decision 0007
   * "Failover"): a Redis failover lost their last writes, or another instance applied this
   * partition meanwhile. Nothing of the batch was written to them. This store forgets what it
   * knew of the partition, and the error says where the partition must replay from: the
   * earliest of the resume point and, per diverged member, the offset after the lower of what it
   * holds and what was expected, each with the watermark of that point.
   */
  private async diverged(ref: PartitionRef, diverged: Divergence[]): Promise<CallboardError> {
    const point = await this.resumePoint(ref);
    const state = this.remember(ref, point);
    let at = point.resumeAt === undefined ? { offset: Number.POSITIVE_INFINITY, watermark: point.watermark } : { offset: point.resumeAt, watermark: point.watermark };
    for (const d of diverged) {
      const lost = d.stored.offset < d.expected.offset;
      const from = !lost ? d.expected.from : d.stored.offset >= 0 ? { offset: d.stored.offset + 1, watermark: d.stored.watermark } : (point.held.get(d.member)?.from ?? { offset: 0, watermark: 0 });
      if (from.offset < at.offset) at = from;
    }
    state.watermark = at.watermark;
    const first = diverged[0]!;
    return new CallboardError(
      'CB_STORE_DIVERGED',
      `${ref.topic}[${ref.partition}]: ${diverged.length} queue(s) or tenant(s) hold another applied offset than expected (e.g. ${first.member}: ${first.stored.offset} stored, ${first.expected.offset} expected); replaying from offset ${at.offset}`,
      { retriable: true, topic: ref.topic, partition: ref.partition, resumeAt: at.offset, members: diverged.map((d) => d.member) },
    );
  }

  /**
   * Splits a batch into one call per queue and per tenant. Each event carries the partition's
   * watermark before its offset: the running max of occurredAt from `watermark` (a late event is
   * below it, so it never moves it), which is exactly the rule `splitLate` states.
   */
  private planBatch(ref: PartitionRef, events: ApplyBatchInput['events'], input: ApplyBatchInput, state: PartitionState): MemberCall[] {
    const field = offsetsField(ref.group, ref.topic, ref.partition);
    const calls = new Map<string, MemberCall>();
    // The keys each queue call declares, each once; consecutive events mostly share their buckets,
    // so the last fine group and interval of the call skip building their keys again.
    const declared = new Map<MemberCall, { keys: Set<string>; fine: number; interval: number }>();
    const declare = (c: MemberCall, key: string): void => {
      const seen = declared.get(c)!.keys;
      if (!seen.has(key)) {
        seen.add(key);
        c.keys.push(key);
      }
    };
    let wm = state.watermark;
    for (const { offset, event } of events) {
      const t = Date.parse(event.occurredAt);
      const w = wm;
      if (t > wm) wm = t;
      const late = t < w - this.graceMs ? formatJsonLine(event).trimEnd() : undefined;
      const survey = isSurveyEvent(event);
      if (isCallEvent(event) || survey) {
        const member = `q:${event.tenantId}:${event.queueId}`;
        let c = calls.get(member);
        const keys = this.keys(event.tenantId, event.queueId);
        if (!c) {
          c = { kind: 'queue', member, activeMember: `${event.tenantId}:${event.queueId}`, prefix: keys.prefix, keys: [keys.offsets, keys.late(field), keys.stats, keys.waiting, keys.contactsOutbox], events: [], watermark: 0, expected: state.held.get(member) };
          calls.set(member, c);
          declared.set(c, { keys: new Set(c.keys), fine: Number.NaN, interval: Number.NaN });
        }
        declare(c, survey ? keys.survey(event.surveyId) : keys.visit(event.callId));
        if (!late) {
          const last = declared.get(c)!;
          const fine = fineGroupStart(t);
          if (fine !== last.fine) {
            last.fine = fine;
            declare(c, keys.fine(fine));
          }
          const interval = intervalStart(t);
          if (interval !== last.interval) {
            last.interval = interval;
            declare(c, keys.interval(interval));
          }
        }
        if (survey) {
          c.events.push({ o: Number(offset), t, w, late, y: 's', s: 1, e: event.eventId, c: event.surveyId, d: contributionList(surveyContribution(event)) });
        } else {
          const d = contributionList(contribution(event, input.settingsFor(event.tenantId, event.queueId)));
          const x = contributionList(outboundContribution(event));
          const outboundOffer = event.type === 'call.offered' && event.direction === 'outbound';
          const k = event.type === 'call.offered' && !outboundOffer && event.callerKey ? event.callerKey : undefined;
          c.events.push({ o: Number(offset), t, w, late, y: outboundOffer ? 'p' : TYPE_CODES[event.type], e: event.eventId, c: event.callId, d, x, k });
        }
      } else if (isComplaintEvent(event)) {
        const member = `c:${event.tenantId}`;
        const tk = tenantKeys(this.namespace, event.tenantId);
        let c = calls.get(member);
        if (!c) {
          c = { kind: 'complaints', member, activeMember: event.tenantId, prefix: tk.prefix, keys: [tk.offsets, tk.late(field), tk.complaintsOpen(null), tk.complaintsDue(null)], events: [], watermark: 0, expected: state.held.get(member) };
          calls.set(member, c);
          declared.set(c, { keys: new Set(c.keys), fine: Number.NaN, interval: Number.NaN });
        }
        declare(c, tk.complaint(event.complaintId));
        const e: Record<string, unknown> = { o: Number(offset), t, w, late, e: event.eventId, c: event.complaintId, y: COMPLAINT_CODES[event.type] };
        if (event.type === 'complaint.filed') {
          const settings = input.tenantSettingsFor?.(event.tenantId) ?? DEFAULT_TENANT_KPI_SETTINGS;
          const q = event.queueId ?? null;
          const m = (input.monthOf ?? utcMonth)(event.tenantId, t);
          Object.assign(e, { q: event.queueId, due: event.responseDueAt !== undefined ? Date.parse(event.responseDueAt) : t + settings.complaintResponseMs[event.severity], m, sv: event.severity, cat: event.category, ch: event.channel });
          if (!late) {
            for (const key of [tk.fine(q, fineGroupStart(t)), tk.interval(q, intervalStart(t)), tk.complaintsMonth(m)]) declare(c, key);
            if (q !== null) for (const key of [tk.complaintsOpen(q), tk.complaintsDue(q)]) declare(c, key);
          }
        } else if (event.type === 'complaint.resolved') e.out = event.outcome;
        c.events.push(e);
      } else if (isAgentEvent(event)) {
        const member = `a:${event.tenantId}`;
        let c = calls.get(member);
        if (!c) {
          const keys = tenantKeys(this.namespace, event.tenantId);
          c = { kind: 'agents', member, activeMember: '', prefix: '', keys: [keys.offsets, keys.late(field), keys.agents], events: [], watermark: 0, expected: state.held.get(member) };
          calls.set(member, c);
        }
        c.events.push({ o: Number(offset), t, w, late, e: event.eventId, g: event.agentId, v: encodeAgentValue(event, t) });
      }
    }
    for (const c of calls.values()) c.watermark = wm;
    return [...calls.values()];
  }

  private callMember(c: MemberCall, ref: PartitionRef, batchLast: number): Promise<(number | string)[]> {
    const field = offsetsField(ref.group, ref.topic, ref.partition);
    const json = JSON.stringify(c.events);
    const expected = c.expected === undefined ? '' : String(c.expected.offset);
    if (c.kind === 'complaints') {
      return this.call('applying complaint events', () =>
        this.redis.cbApplyComplaints(
          c.keys.length,
          ...c.keys,
          field,
          this.graceMs,
          this.fineTtlS,
          this.intervalTtlS,
          json,
          batchLast,
          c.watermark,
          expected,
          ...BUCKET_LAYOUT_ARGS,
          c.prefix,
          MONTH_COUNTER_TTL_S,
          TENANT_FIELDS_JSON,
        ),
      );
    }
    if (c.kind === 'agents') {
      const [offsets, late, agents] = c.keys as [string, string, string];
      return this.call('applying agent events', () => this.redis.cbApplyAgents(offsets, late, agents, field, this.graceMs, this.intervalTtlS, json, batchLast, c.watermark, expected));
    }
    const visitTtlS = Math.ceil(this.visitTtlMs / 1000);
    return this.call('applying a batch', () =>
      this.redis.cbApplyQueue(
        c.keys.length,
        ...c.keys,
        field,
        this.graceMs,
        this.fineTtlS,
        this.intervalTtlS,
        visitTtlS,
        json,
        batchLast,
        c.watermark,
        MAX_FIELD_INDEX,
        MAX_VISIT_EVENTS,
        ...BUCKET_LAYOUT_ARGS,
        c.prefix,
        expected,
      ),
    );
  }

  /**
   * Drains the contact outboxes of `members` (queue members) into one apply-contacts call per
   * tenant, with the tenant's clock, and trims each outbox by what the call took only after it
   * succeeded (decision 0010 §5). A tenant with no facts is called only when its clock may move.
   * `given`: per member, the facts its queue call's reply carried (read from the outbox otherwise).
   */
  private async drainContacts(members: string[], clocks: Map<string, number>, tenantSettingsFor: (tenantId: string) => TenantKpiSettings, given: Map<string, string[]> = new Map()): Promise<void> {
    const byTenant = new Map<string, string[]>();
    for (const m of members) {
      const [, tenantId, queueId] = m.split(':') as [string, string, string];
      byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), queueId]);
    }
    for (const [tenantId, clock] of clocks) if (clock > (this.clocks.get(tenantId) ?? -1) && !byTenant.has(tenantId)) byTenant.set(tenantId, []);
    await Promise.all([...byTenant].map(([tenantId, queueIds]) => this.drainTenant(tenantId, queueIds, clocks.get(tenantId), tenantSettingsFor(tenantId), given)));
  }

  private async drainTenant(tenantId: string, queueIds: string[], clock: number | undefined, settings: TenantKpiSettings, given: Map<string, string[]>): Promise<void> {
    const tk = tenantKeys(this.namespace, tenantId);
    const windowMs = settings.repeatWindowHours * HOUR_MS;
    let more = true;
    for (let pass = 0; more; pass += 1) {
      more = false;
      const taken = await Promise.all(
        queueIds.map((q) => (pass === 0 && given.has(`q:${tenantId}:${q}`) ? given.get(`q:${tenantId}:${q}`)! : this.call('reading contact facts', () => this.redis.lrange(this.keys(tenantId, q).contactsOutbox, 0, MAX_DRAIN_FACTS - 1)))),
      );
      const facts: ContactFact[] = [];
      taken.forEach((raw, i) => {
        if (raw.length >= MAX_DRAIN_FACTS) more = true;
        for (const r of raw) facts.push({ ...(JSON.parse(r) as Omit<ContactFact, 'q'>), q: queueIds[i]! });
      });
      if (facts.length === 0 && !(clock !== undefined && clock > (this.clocks.get(tenantId) ?? -1))) return;
      const keys = new Set<string>([tk.clock]);
      for (const f of facts) {
        if (f.k !== undefined) keys.add(tk.callerKey(f.k));
        if (f.pk !== undefined) keys.add(tk.callerKey(f.pk));
        if (f.t !== undefined) {
          keys.add(tk.fine(f.q, fineGroupStart(f.t)));
          keys.add(tk.interval(f.q, intervalStart(f.t)));
        }
        keys.add(tk.fcrOpen(f.q));
      }
      let reply: (number | string)[] = [-2];
      for (let round = 0; reply[0] === -2; round += 1) {
        if (round > 4) throw new CallboardError('CB_REDIS_SCRIPT', `applying contact facts of tenant ${tenantId}: the call did not settle after ${round} rounds`);
        for (const key of reply.slice(1)) keys.add(String(key));
        const declaredKeys = [...keys];
        reply = await this.call('applying contact facts', () =>
          this.redis.cbApplyContacts(
            declaredKeys.length,
            ...declaredKeys,
            JSON.stringify(facts),
            clock ?? '',
            windowMs,
            Math.ceil((windowMs + 2 * this.graceMs + HOUR_MS) / 1000),
            this.fineTtlS,
            this.intervalTtlS,
            ...BUCKET_LAYOUT_ARGS,
            tk.prefix,
            FCR_CONTACTS_INDEX,
            FCR_REPEATED_INDEX,
            this.visitTtlMs,
          ),
        );
      }
      this.clocks.set(tenantId, Math.max(this.clocks.get(tenantId) ?? -1, Number(reply[2])));
      await Promise.all(queueIds.map((q, i) => (taken[i]!.length > 0 ? this.call('trimming contact facts', () => this.redis.ltrim(this.keys(tenantId, q).contactsOutbox, taken[i]!.length, -1)) : undefined)));
    }
  }

  private async call<R>(what: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      throw toStoreError(err, what);
    }
  }

  /** The offsets hash of a partition index member (`q:<tenant>:<queue>` or `a:<tenant>`). */
  private memberOffsetsKey(member: string): string {
    const [kind, tenantId, queueId] = member.split(':') as [string, string, string | undefined];
    return kind === 'q' ? this.keys(tenantId, queueId!).offsets : tenantKeys(this.namespace, tenantId).offsets;
  }

  private memberLateKey(member: string, ref: PartitionRef): string {
    const [kind, tenantId, queueId] = member.split(':') as [string, string, string | undefined];
    const field = offsetsField(ref.group, ref.topic, ref.partition);
    return kind === 'q' ? this.keys(tenantId, queueId!).late(field) : tenantKeys(this.namespace, tenantId).late(field);
  }

  /**
   * Where a newly assigned partition resumes (docs/decisions/0007-one-slot-per-call.md "Resume").
   * Each queue or tenant the partition touched is compared with the latest batch the partition
   * index recorded for it: one behind it missed writes (a crash between two calls of one batch, a
   * failover that lost its last writes along with their offset) and the partition replays from the
   * earliest such offset, with the watermark stored at that point. When none is behind, `resumeAt`
   * is undefined: everything the index recorded is applied, and Kafka's committed offset stands.
   */
  async resumePoint(ref: PartitionRef): Promise<ResumePoint> {
    const index = await this.call('reading the partition index', () => this.redis.hgetall(partitionIndexKey(this.namespace, ref.group, ref.topic, ref.partition)));
    const base = parseOffsetValue(index.base);
    const members = Object.keys(index)
      .filter((f) => f.startsWith('l:'))
      .map((f) => f.slice(2));
    const field = offsetsField(ref.group, ref.topic, ref.partition);
    const stored = await Promise.all(members.map((m) => this.call('reading applied offsets', () => this.redis.hget(this.memberOffsetsKey(m), field))));
    let resumeAt: number | undefined;
    let resumeWatermark = 0;
    let applied = base?.offset ?? -1;
    let watermark = base?.watermark ?? 0;
    const held = new Map<string, MemberHold>();
    members.forEach((m, i) => {
      const last = Number(index[`l:${m}`]);
      const own = parseOffsetValue(stored[i] ?? undefined);
      if (own) {
        applied = Math.max(applied, own.offset);
        watermark = Math.max(watermark, own.watermark);
      }
      const from = own ? { offset: own.offset + 1, watermark: own.watermark } : parseOffsetValue(index[`f:${m}`]) ?? { offset: 0, watermark: 0 };
      held.set(m, { offset: own?.offset ?? -1, from });
      if (own && own.offset >= last) return;
      if (resumeAt === undefined || from.offset < resumeAt) {
        resumeAt = from.offset;
        resumeWatermark = from.watermark;
      }
    });
    if (resumeAt !== undefined) return { resumeAt, applied: resumeAt - 1, watermark: resumeWatermark, base: base?.offset ?? -1, members, held };
    return { resumeAt: undefined, applied, watermark, base: base?.offset ?? -1, members, held };
  }

  /**
   * Where a consumer resumes this partition; forgets what this store predicted of it, so the next
   * batch starts from what Redis holds.
   */
  async resume(ref: PartitionRef): Promise<ResumePoint> {
    const point = await this.resumePoint(ref);
    this.remember(ref, point);
    return point;
  }

  /** The partition's last offset applied to every queue it touched, if any, and its watermark. */
  async appliedOffset(ref: PartitionRef): Promise<{ offset: number; watermark: number } | undefined> {
    const point = await this.resumePoint(ref);
    return point.applied < 0 && point.members.length === 0 ? undefined : { offset: point.applied, watermark: point.watermark };
  }

  /**
   * Late events of this partition waiting for `cc.late.v1`, oldest first per queue, from the given
   * members (an {@link ApplyBatchResult}'s `lateMembers`) or every member the partition touched.
   * Remove them with {@link ackLate} once published.
   */
  async pendingLate(ref: PartitionRef, max = 500, members?: string[]): Promise<LateEntry[]> {
    const from = members ?? (await this.resumePoint(ref)).members;
    const entries: LateEntry[] = [];
    for (const member of from) {
      if (entries.length >= max) break;
      const raw = await this.call('reading late events', () => this.redis.lrange(this.memberLateKey(member, ref), 0, max - entries.length - 1));
      for (const r of raw) entries.push({ ...(JSON.parse(r) as Omit<LateEntry, 'member'>), member });
    }
    return entries;
  }

  /** Removes published late entries (each from the front of its member's list). */
  async ackLate(ref: PartitionRef, entries: readonly LateEntry[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.member, (counts.get(e.member) ?? 0) + 1);
    for (const [member, count] of counts) await this.call('removing late events', () => this.redis.ltrim(this.memberLateKey(member, ref), count, -1));
  }

  /** The partitions among `refs` whose applied offset is still kept in the previous layout (before issue 9). */
  async legacyPartitions(refs: readonly PartitionRef[]): Promise<PartitionRef[]> {
    const found = await Promise.all(refs.map((r) => this.call('looking for the previous store layout', () => this.redis.exists(legacyPartitionKey(this.namespace, r.group, r.topic, r.partition)))));
    return refs.filter((_r, i) => found[i]! > 0);
  }

  /**
   * Moves partitions of the previous layout to this one (`callboard store migrate`; decision 0007).
   * The old per-partition offset and watermark become the partition index's `base`: every queue and
   * tenant had applied every offset up to it, so a batch skips those offsets before any call. Old
   * late outbox entries move to the late lists of their queues or tenants. The old key is deleted
   * last, so a migration stopped midway runs again; it may then publish a late event twice, which
   * `cc.late.v1`'s at-least-once contract allows. Run it with every aggregator of the group stopped.
   * @returns the partitions migrated
   */
  async migrateLegacy(refs: readonly PartitionRef[]): Promise<{ ref: PartitionRef; offset: number; watermark: number; lateMoved: number }[]> {
    const done: { ref: PartitionRef; offset: number; watermark: number; lateMoved: number }[] = [];
    for (const ref of await this.legacyPartitions(refs)) {
      const oldKey = legacyPartitionKey(this.namespace, ref.group, ref.topic, ref.partition);
      const [offsetRaw, watermarkRaw] = await this.call('reading the previous layout', () => this.redis.hmget(oldKey, 'offset', 'watermark'));
      const offset = Number(offsetRaw ?? -1);
      const watermark = Number(watermarkRaw ?? 0);
      const indexKey = partitionIndexKey(this.namespace, ref.group, ref.topic, ref.partition);
      await this.call('writing the partition base', () => this.redis.hset(indexKey, 'base', `${offset}:${watermark}`));
      const outbox = legacyLateOutboxKey(this.namespace, ref.group, ref.topic, ref.partition);
      const entries = await this.call('reading the old late outbox', () => this.redis.lrange(outbox, 0, -1));
      const field = offsetsField(ref.group, ref.topic, ref.partition);
      for (const raw of entries) {
        const entry = JSON.parse(raw) as { event: string };
        const event = JSON.parse(entry.event) as { tenantId: string; queueId?: string; type: string };
        const member = event.type.startsWith('call.') && event.queueId ? `q:${event.tenantId}:${event.queueId}` : `a:${event.tenantId}`;
        // The member is applied up to the base, like every other: it is not behind at resume.
        await this.call('moving a late entry', () => this.redis.hsetnx(this.memberOffsetsKey(member), field, `${offset}:${watermark}`));
        await this.call('moving a late entry', () => this.redis.hset(indexKey, `f:${member}`, `${offset + 1}:${watermark}`, `l:${member}`, String(offset)));
        await this.call('moving a late entry', () => this.redis.rpush(this.memberLateKey(member, ref), raw));
      }
      await this.call('removing the previous layout', () => this.redis.del(outbox));
      await this.call('removing the previous layout', () => this.redis.del(oldKey));
      this.partitions.delete(partitionId(ref));
      done.push({ ref, offset, watermark, lateMoved: entries.length });
    }
    return done;
  }

  /** Queues written to since `sinceMs` (wall clock). */
  async activeQueues(sinceMs: number): Promise<{ tenantId: string; queueId: string }[]> {
    const key = activeQueuesKey(this.namespace);
    // The index holds one member per queue; queues idle past interval retention leave it.
    await this.redis.zremrangebyscore(key, '-inf', `(${sinceMs - this.intervalRetentionMs}`);
    const members = await this.redis.zrangebyscore(key, sinceMs, '+inf');
    return members.map((m) => {
      const [tenantId, queueId] = m.split(':') as [string, string];
      return { tenantId, queueId };
    });
  }

  /** Which buckets cover `[from, to)`: fine ones inside fine retention, interval ones beyond. */
  private plan(keys: BucketKeyBuilder, from: number, to: number, nowMs: number): { plan: Plan; from: number; to: number; precisionMs: number } {
    this.checkSpan(from, to);
    const horizon = nowMs - this.fineRetentionMs;
    const plan: Plan = { keys: [], specs: [] };
    let effFrom = Math.floor(from / FINE_BUCKET_MS) * FINE_BUCKET_MS;
    let effTo = Math.ceil(to / FINE_BUCKET_MS) * FINE_BUCKET_MS;
    if (effFrom >= horizon) {
      checkKeyCount(fineKeyCount(effFrom, effTo), from, to);
      this.addFine(plan, keys, effFrom, effTo);
      return { plan, from: effFrom, to: effTo, precisionMs: FINE_BUCKET_MS };
    }
    // Beyond fine retention: whole intervals, and fine buckets for a right edge that is still fine.
    effFrom = Math.floor(effFrom / INTERVAL_BUCKET_MS) * INTERVAL_BUCKET_MS;
    const intervalsEnd = Math.max(effFrom, Math.floor(effTo / INTERVAL_BUCKET_MS) * INTERVAL_BUCKET_MS);
    let precisionMs = INTERVAL_BUCKET_MS;
    if (intervalsEnd >= horizon || intervalsEnd === effTo) {
      checkKeyCount((intervalsEnd - effFrom) / INTERVAL_BUCKET_MS + fineKeyCount(intervalsEnd, effTo), from, to);
      for (let s = effFrom; s < intervalsEnd; s += INTERVAL_BUCKET_MS) {
        plan.keys.push(keys.interval(s));
        plan.specs.push('i');
      }
      if (effTo > intervalsEnd) this.addFine(plan, keys, intervalsEnd, effTo);
      if (effTo === intervalsEnd || intervalsEnd >= horizon) precisionMs = effTo % INTERVAL_BUCKET_MS === 0 ? INTERVAL_BUCKET_MS : FINE_BUCKET_MS;
    } else {
      effTo = Math.ceil(effTo / INTERVAL_BUCKET_MS) * INTERVAL_BUCKET_MS;
      checkKeyCount((effTo - effFrom) / INTERVAL_BUCKET_MS, from, to);
      for (let s = effFrom; s < effTo; s += INTERVAL_BUCKET_MS) {
        plan.keys.push(keys.interval(s));
        plan.specs.push('i');
      }
    }
    return { plan, from: effFrom, to: effTo, precisionMs };
  }

  /** A range longer than the interval retention cannot be answered from Redis anyway (DESIGN §4 History). */
  private checkSpan(from: number, to: number): void {
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw new CallboardError('CB_USAGE', 'a range needs finite from and to times');
    if (to - from > this.intervalRetentionMs) {
      throw new CallboardError('CB_RANGE_TOO_LARGE', `the range ${describeRange(from, to)} is longer than the ${formatSpan(this.intervalRetentionMs)} of interval buckets Redis keeps; ask for a shorter range`, {
        from,
        to,
        maxSpanMs: this.intervalRetentionMs,
      });
    }
  }

  private addFine(plan: Plan, keys: BucketKeyBuilder, from: number, to: number): void {
    for (let group = fineGroupStart(from); group < to; group += FINE_SLOTS_PER_GROUP * FINE_BUCKET_MS) {
      const lo = group === fineGroupStart(from) ? fineSlot(from) : 0;
      const last = to - FINE_BUCKET_MS;
      const hi = group === fineGroupStart(last) ? fineSlot(last) : FINE_SLOTS_PER_GROUP - 1;
      plan.keys.push(keys.fine(group));
      plan.specs.push(`${lo}:${hi}`);
    }
  }

  /**
   * Counters of one queue over `[from, to)`: its own buckets, atomically, merged with its
   * tenant-tag counters (complaints, repeat-contact FCR) over the same buckets and its `fcrPending`
   * (decision 0010 §4, §5), each read atomically in the tenant's slot.
   */
  async readRange(tenantId: string, queueId: string, from: number, to: number, nowMs: number): Promise<RangeRead> {
    if (!(to >= from)) throw new CallboardError('CB_USAGE', `inverted range [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
    // An empty range is a valid question with an all-zero answer: "today" read at the very instant the
    // day starts is one (issue 8, item 6). It is not widened to a bucket, which would count events.
    if (to === from) return { counts: emptyCounts(), from, to, precisionMs: FINE_BUCKET_MS };
    const { plan, ...range } = this.plan(this.keys(tenantId, queueId), from, to, nowMs);
    const counts = emptyCounts();
    if (plan.keys.length === 0) return { counts, ...range };
    const tk = tenantKeys(this.namespace, tenantId);
    const tenantPlan = this.plan(tenantBuckets(tk, queueId), from, to, nowMs).plan;
    let values: number[];
    let tenantValues: number[];
    let pending: number;
    try {
      [values, tenantValues, pending] = await Promise.all([
        this.redis.cbReadBuckets(plan.keys.length, ...plan.keys, ...plan.specs, QUEUE_COUNT_FIELDS.length, MAX_FIELD_INDEX),
        this.redis.cbReadBuckets(tenantPlan.keys.length, ...tenantPlan.keys, ...tenantPlan.specs, TENANT_COUNT_FIELDS.length, -1),
        this.redis.cbReadFcrPending(tk.clock, tk.fcrOpen(queueId), range.from, range.to),
      ]);
    } catch (err) {
      throw toStoreError(err, 'reading buckets');
    }
    QUEUE_COUNT_FIELDS.forEach((field, idx) => {
      counts[field] = Number(values[idx] ?? 0);
    });
    TENANT_COUNT_FIELDS.forEach((field, idx) => {
      counts[field] = Number(tenantValues[idx] ?? 0);
    });
    counts.fcrPending = Number(pending);
    return { counts, ...range };
  }

  /** The tenant level's counters over `[from, to)`: complaints filed without a queue (decision 0010 §4). */
  async readTenantLevelRange(tenantId: string, from: number, to: number, nowMs: number): Promise<RangeRead> {
    if (!(to >= from)) throw new CallboardError('CB_USAGE', `inverted range [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
    if (to === from) return { counts: emptyCounts(), from, to, precisionMs: FINE_BUCKET_MS };
    const { plan, ...range } = this.plan(tenantBuckets(tenantKeys(this.namespace, tenantId), null), from, to, nowMs);
    const counts = emptyCounts();
    if (plan.keys.length === 0) return { counts, ...range };
    const values = await this.call('reading tenant-level buckets', () => this.redis.cbReadBuckets(plan.keys.length, ...plan.keys, ...plan.specs, TENANT_COUNT_FIELDS.length, -1));
    TENANT_COUNT_FIELDS.forEach((field, idx) => {
      counts[field] = Number(values[idx] ?? 0);
    });
    return { counts, ...range };
  }

  /** Open and overdue complaints and the oldest open one's age, of a queue or (`null`) the whole tenant, at `nowMs`. */
  async complaintState(tenantId: string, queueId: string | null, nowMs: number): Promise<ComplaintLiveState> {
    const tk = tenantKeys(this.namespace, tenantId);
    const results = await this.call('reading complaints', () =>
      this.redis.multi().zcard(tk.complaintsOpen(queueId)).zcount(tk.complaintsDue(queueId), '-inf', `(${nowMs}`).zrange(tk.complaintsOpen(queueId), 0, 0, 'WITHSCORES').exec(),
    );
    if (!results) throw new CallboardError('CB_REDIS_UNAVAILABLE', 'complaint state read was aborted', { retriable: true });
    for (const [err] of results) if (err) throw toStoreError(err, 'reading complaints');
    const oldest = results[2]![1] as string[];
    return {
      complaintsOpen: Number(results[0]![1]),
      complaintsOverdue: Number(results[1]![1]),
      oldestOpenComplaintAgeMs: oldest.length === 2 ? Math.max(0, nowMs - Number(oldest[1])) : null,
    };
  }

  /** Complaints filed in a calendar month (`YYYY-MM` of the tenant's zone), per queue and at tenant level. */
  async complaintsFiledInMonth(tenantId: string, month: string): Promise<{ byQueue: Record<string, number>; tenantLevel: number; total: number }> {
    const raw = await this.call('reading the month\'s complaints', () => this.redis.hgetall(tenantKeys(this.namespace, tenantId).complaintsMonth(month)));
    const byQueue: Record<string, number> = {};
    let tenantLevel = 0;
    let total = 0;
    for (const [field, value] of Object.entries(raw)) {
      const n = Number(value);
      total += n;
      if (field === '*') tenantLevel += n;
      else byQueue[field] = n;
    }
    return { byQueue, tenantLevel, total };
  }

  /** Open, unanswered complaints due at or before `untilMs`, earliest due first. */
  async dueComplaints(tenantId: string, untilMs: number, limit = 100): Promise<ComplaintMeta[]> {
    const tk = tenantKeys(this.namespace, tenantId);
    const ids = await this.call('reading due complaints', () => this.redis.zrangebyscore(tk.complaintsDue(null), '-inf', untilMs, 'LIMIT', 0, limit));
    if (ids.length === 0) return [];
    const metas = await Promise.all(ids.map((id) => this.call('reading a complaint', () => this.redis.hget(tk.complaint(id), 'meta'))));
    const out: ComplaintMeta[] = [];
    ids.forEach((complaintId, i) => {
      const meta = metas[i];
      if (meta) out.push({ complaintId, tenantId, ...(JSON.parse(meta) as Omit<ComplaintMeta, 'complaintId' | 'tenantId'>) });
    });
    return out;
  }

  /** Tenants with queue or complaint writes since `sinceMs` (wall clock). */
  async activeTenants(sinceMs: number): Promise<string[]> {
    const key = activeTenantsKey(this.namespace);
    await this.call('reading active tenants', () => this.redis.zremrangebyscore(key, '-inf', `(${sinceMs - this.intervalRetentionMs}`));
    const [queues, complaintTenants] = await Promise.all([this.activeQueues(sinceMs), this.call('reading active tenants', () => this.redis.zrangebyscore(key, sinceMs, '+inf'))]);
    return [...new Set([...queues.map((q) => q.tenantId), ...complaintTenants])].sort();
  }

  /** Calls waiting, longest wait and agents by state, now. */
  async liveState(tenantId: string, queueId: string, nowMs: number): Promise<LiveQueueState> {
    const keys = this.keys(tenantId, queueId);
    const cutoff = nowMs - this.maxWaitingAgeMs;
    // The waiting set is the queue's slot, the agents the tenant's: two reads (DESIGN §5), each atomic.
    const [results, agentValues] = await Promise.all([
      this.redis.multi().zremrangebyscore(keys.waiting, '-inf', `(${cutoff}`).zcard(keys.waiting).zrange(keys.waiting, 0, 0, 'WITHSCORES').exec(),
      this.call('reading agents', () => this.redis.hgetall(tenantAgentsKey(this.namespace, tenantId))),
    ]);
    if (!results) throw new CallboardError('CB_REDIS_UNAVAILABLE', 'live state read was aborted', { retriable: true });
    for (const [err] of results) if (err) throw toStoreError(err, 'reading live state');
    const callsWaiting = Number(results[1]![1]);
    const oldest = results[2]![1] as string[];
    const agents = { logged_out: 0, available: 0, on_call: 0, wrap_up: 0, away: 0 };
    const staffedAgentQueues: string[][] = [];
    for (const value of Object.values(agentValues)) {
      const agent = decodeAgentValue(value);
      if (agent?.queueIds.includes(queueId)) {
        agents[agent.state] += 1;
        if (agent.state === 'available' || agent.state === 'on_call' || agent.state === 'wrap_up') staffedAgentQueues.push(agent.queueIds);
      }
    }
    const busy = agents.on_call + agents.wrap_up;
    return {
      callsWaiting,
      longestWaitingMs: oldest.length === 2 ? Math.max(0, nowMs - Number(oldest[1])) : null,
      agents,
      staffedAgentQueues,
      occupancy: busy + agents.available > 0 ? busy / (busy + agents.available) : null,
    };
  }

  /** Takes or renews a named lease for `ttlMs`; true while `holder` has it. */
  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.cbAcquireLease(`${this.namespace}:lease:${name}`, holder, ttlMs)) === 1;
  }

  /** Per-queue anomaly, duplicate and late counts since the stats key was last idle for 8 days. */
  async queueStats(tenantId: string, queueId: string): Promise<{ anomalies: number; duplicates: number; late: number }> {
    const raw = await this.redis.hgetall(this.keys(tenantId, queueId).stats);
    return { anomalies: Number(raw.anomalies ?? 0), duplicates: Number(raw.duplicates ?? 0), late: Number(raw.late ?? 0) };
  }
}

/** A queue's (or, for `null`, the tenant level's) tenant-tag bucket keys. */
function tenantBuckets(tk: ReturnType<typeof tenantKeys>, queueId: string | null): BucketKeyBuilder {
  return { fine: (group) => tk.fine(queueId, group), interval: (start) => tk.interval(queueId, start) };
}

/** How many fine-group keys {@link WindowStore.addFine} builds for `[from, to)`, computed, not built. */
function fineKeyCount(from: number, to: number): number {
  return to > from ? Math.ceil((to - fineGroupStart(from)) / FINE_GROUP_MS) : 0;
}

function checkKeyCount(count: number, from: number, to: number): void {
  if (count > MAX_READ_KEYS) {
    throw new CallboardError('CB_RANGE_TOO_LARGE', `the range ${describeRange(from, to)} would read ${count} Redis keys; at most ${MAX_READ_KEYS} per read`, { from, to, keys: count, maxKeys: MAX_READ_KEYS });
  }
}

function describeRange(from: number, to: number): string {
  const iso = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
  return `[${iso(from)}, ${iso(to)})`;
}

function formatSpan(ms: number): string {
  return ms % (24 * HOUR_MS) === 0 ? `${ms / (24 * HOUR_MS)} days` : `${ms / HOUR_MS} hours`;
}

/** A Redis failure is retriable (the consumer pauses); a script error is not. */
function toStoreError(err: unknown, what: string): CallboardError {
  const message = (err as Error)?.message ?? String(err);
  if (/^(ERR|WRONGTYPE|NOSCRIPT)/.test(message) && !/connection|Connection/.test(message)) {
    return new CallboardError('CB_REDIS_SCRIPT', `${what}: ${message}`, { cause: err });
  }
  return new CallboardError('CB_REDIS_UNAVAILABLE', `${what}: ${message}`, { cause: err, retriable: true });
}
