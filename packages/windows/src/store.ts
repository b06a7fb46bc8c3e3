import type { Redis } from 'ioredis';
import { CallboardError } from '@callboard/errors';
import { type CanonicalEvent, formatJsonLine, isCallEvent } from '@callboard/events';
import { COUNT_FIELDS, contribution, emptyCounts, type KpiCounts, type QueueKpiSettings } from '@callboard/kpi';
import {
  activeQueuesKey,
  BUCKET_KEY_TAGS,
  FINE_BUCKET_MS,
  FINE_GROUP_MS,
  FINE_SLOTS_PER_GROUP,
  fineGroupStart,
  fineSlot,
  INTERVAL_BUCKET_MS,
  lateOutboxKey,
  partitionKey,
  queueKeys,
  type QueueKeys,
  tenantAgentsKey,
} from './bucket-keys.js';
import { decodeAgentValue, encodeAgentValue } from './agent-value.js';
import { loadScripts } from './script-loader.js';

const MAX_FIELD_INDEX = COUNT_FIELDS.indexOf('maxWaitMs');
/**
 * The most distinct events one visit remembers (docs/redis-keys.md). A real visit has three to
 * five; past this a new eventId is counted as an anomaly and not kept, so a broken source cannot
 * grow one key, or the work of judging it, without bound.
 */
const MAX_VISIT_EVENTS = 32;
const HOUR_MS = 3600_000;

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
  /** The partition's applied offset after the batch (-1: none yet). */
  lastOffset: number;
  watermark: number;
}

/** An outbox entry for `cc.late.v1`. */
export interface LateEntry {
  offset: number;
  watermark: number;
  event: string;
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
  /** Each partition's watermark as of this store's last call: predicts which events are late. */
  private readonly watermarks = new Map<string, number>();

  constructor(
    readonly redis: Redis,
    options: WindowStoreOptions = {},
  ) {
    this.namespace = options.namespace ?? 'cb';
    this.graceMs = options.graceMs ?? 2 * HOUR_MS;
    this.fineRetentionMs = options.fineRetentionMs ?? 2 * HOUR_MS;
    this.intervalRetentionMs = options.intervalRetentionMs ?? 8 * 24 * HOUR_MS;
    this.maxWaitingAgeMs = options.maxWaitingAgeMs ?? 4 * HOUR_MS;
    loadScripts(redis);
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

  /** Applies one partition batch in one script call; offsets at or below the stored one are skipped. */
  async applyBatch(input: ApplyBatchInput): Promise<ApplyBatchResult> {
    const ref = partitionKey(this.namespace, input.group, input.topic, input.partition);
    let predicted = this.watermarks.get(ref);
    if (predicted === undefined) predicted = (await this.appliedOffset(input))?.watermark ?? 0;
    let reply = await this.callApply(ref, input, predicted);
    if (reply[0] === -1) {
      // Another instance moved the watermark since this one last looked: send every late copy.
      reply = await this.callApply(ref, input, undefined);
    }
    const [applied, duplicates, anomalies, late, redelivered, lastOffset, watermark, revised] = reply as number[];
    this.watermarks.set(ref, watermark!);
    return { applied: applied!, duplicates: duplicates!, anomalies: anomalies!, late: late!, redelivered: redelivered!, revised: revised!, lastOffset: lastOffset!, watermark: watermark! };
  }

  /** One script call; `predictedWatermark` undefined sends every event's late copy. */
  private async callApply(ref: string, input: ApplyBatchInput, predictedWatermark: number | undefined): Promise<number[]> {
    let wm = predictedWatermark ?? 0;
    const payload = input.events.map(({ offset, event }) => {
      const t = Date.parse(event.occurredAt);
      const late = predictedWatermark === undefined || t < wm - this.graceMs;
      if (!late && t > wm) wm = t;
      return this.encodeForScript(Number(offset), event, input.settingsFor, late);
    });
    const outbox = lateOutboxKey(this.namespace, `${input.group}:${input.topic}:${input.partition}`);
    const visitTtlS = Math.ceil((2 * this.graceMs + HOUR_MS) / 1000);
    try {
      const reply = await this.redis.cbApplyBatch(
        ref,
        outbox,
        this.graceMs,
        Math.ceil((this.fineRetentionMs + this.graceMs) / 1000),
        Math.ceil(this.intervalRetentionMs / 1000),
        visitTtlS,
        input.nowMs,
        activeQueuesKey(this.namespace),
        JSON.stringify(payload),
        Number(input.lastOffset ?? input.events.at(-1)?.offset ?? -1),
        MAX_FIELD_INDEX,
        MAX_VISIT_EVENTS,
        FINE_GROUP_MS,
        FINE_BUCKET_MS,
        INTERVAL_BUCKET_MS,
        BUCKET_KEY_TAGS.fine,
        BUCKET_KEY_TAGS.interval,
      );
      return reply.map(Number);
    } catch (err) {
      throw toStoreError(err, 'applying a batch');
    }
  }

  private encodeForScript(offset: number, event: CanonicalEvent, settingsFor: ApplyBatchInput['settingsFor'], withLateCopy: boolean): Record<string, unknown> {
    const t = Date.parse(event.occurredAt);
    const late = withLateCopy ? formatJsonLine(event).trimEnd() : undefined;
    if (!isCallEvent(event)) {
      return { o: offset, t, late, k: 'a', e: event.eventId, a: tenantAgentsKey(this.namespace, event.tenantId), g: event.agentId, v: encodeAgentValue(event, t) };
    }
    const keys = this.keys(event.tenantId, event.queueId);
    const delta = contribution(event, settingsFor(event.tenantId, event.queueId));
    const d: number[] = [];
    COUNT_FIELDS.forEach((field, idx) => {
      const v = delta[field];
      if (v !== undefined && v !== 0) d.push(idx, v);
    });
    return {
      o: offset,
      t,
      late,
      k: 'c',
      y: event.type,
      e: event.eventId,
      p: keys.prefix,
      c: event.callId,
      q: `${event.tenantId}:${event.queueId}`,
      d,
    };
  }

  /** The partition's last applied offset, if any: where a consumer resumes. */
  async appliedOffset(ref: PartitionRef): Promise<{ offset: number; watermark: number } | undefined> {
    const [offset, watermark] = await this.redis.hmget(partitionKey(this.namespace, ref.group, ref.topic, ref.partition), 'offset', 'watermark');
    return offset === null ? undefined : { offset: Number(offset), watermark: Number(watermark ?? 0) };
  }

  /** Late events waiting for `cc.late.v1`, oldest first. Remove them with {@link ackLate} once published. */
  async pendingLate(ref: PartitionRef, max = 500): Promise<LateEntry[]> {
    const raw = await this.redis.lrange(lateOutboxKey(this.namespace, `${ref.group}:${ref.topic}:${ref.partition}`), 0, max - 1);
    return raw.map((r) => JSON.parse(r) as LateEntry);
  }

  async ackLate(ref: PartitionRef, count: number): Promise<void> {
    if (count > 0) await this.redis.ltrim(lateOutboxKey(this.namespace, `${ref.group}:${ref.topic}:${ref.partition}`), count, -1);
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
  private plan(keys: QueueKeys, from: number, to: number, nowMs: number): { plan: Plan; from: number; to: number; precisionMs: number } {
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

  private addFine(plan: Plan, keys: QueueKeys, from: number, to: number): void {
    for (let group = fineGroupStart(from); group < to; group += FINE_SLOTS_PER_GROUP * FINE_BUCKET_MS) {
      const lo = group === fineGroupStart(from) ? fineSlot(from) : 0;
      const last = to - FINE_BUCKET_MS;
      const hi = group === fineGroupStart(last) ? fineSlot(last) : FINE_SLOTS_PER_GROUP - 1;
      plan.keys.push(keys.fine(group));
      plan.specs.push(`${lo}:${hi}`);
    }
  }

  /** Counters of one queue over `[from, to)`, atomically. */
  async readRange(tenantId: string, queueId: string, from: number, to: number, nowMs: number): Promise<RangeRead> {
    if (!(to >= from)) throw new CallboardError('CB_USAGE', `inverted range [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
    // An empty range is a valid question with an all-zero answer: "today" read at the very instant the
    // day starts is one (issue 8, item 6). It is not widened to a bucket, which would count events.
    if (to === from) return { counts: emptyCounts(), from, to, precisionMs: FINE_BUCKET_MS };
    const { plan, ...range } = this.plan(this.keys(tenantId, queueId), from, to, nowMs);
    const counts = emptyCounts();
    if (plan.keys.length === 0) return { counts, ...range };
    let values: number[];
    try {
      values = await this.redis.cbReadBuckets(plan.keys.length, ...plan.keys, ...plan.specs, COUNT_FIELDS.length, MAX_FIELD_INDEX);
    } catch (err) {
      throw toStoreError(err, 'reading buckets');
    }
    COUNT_FIELDS.forEach((field, idx) => {
      counts[field] = Number(values[idx] ?? 0);
    });
    return { counts, ...range };
  }

  /** Calls waiting, longest wait and agents by state, now. */
  async liveState(tenantId: string, queueId: string, nowMs: number): Promise<LiveQueueState> {
    const keys = this.keys(tenantId, queueId);
    const cutoff = nowMs - this.maxWaitingAgeMs;
    const results = await this.redis
      .multi()
      .zremrangebyscore(keys.waiting, '-inf', `(${cutoff}`)
      .zcard(keys.waiting)
      .zrange(keys.waiting, 0, 0, 'WITHSCORES')
      .hgetall(tenantAgentsKey(this.namespace, tenantId))
      .exec();
    if (!results) throw new CallboardError('CB_REDIS_UNAVAILABLE', 'live state read was aborted', { retriable: true });
    for (const [err] of results) if (err) throw toStoreError(err, 'reading live state');
    const callsWaiting = Number(results[1]![1]);
    const oldest = results[2]![1] as string[];
    const agents = { logged_out: 0, available: 0, on_call: 0, wrap_up: 0, away: 0 };
    const staffedAgentQueues: string[][] = [];
    for (const value of Object.values(results[3]![1] as Record<string, string>)) {
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
