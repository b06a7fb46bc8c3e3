import { CallboardError } from '@callboard/errors';
import { isCallEvent, isComplaintEvent, isSurveyEvent, type CallEvent, type CanonicalEvent, type SurveyCompleted } from '@callboard/events';
import { contribution, outboundContribution, surveyContribution } from './classify.js';
import { judgeComplaints, liveStateOf, respondedOnTime, type ComplaintLiveState, type JudgedComplaint } from './complaints.js';
import { emptyCounts, MAX_COUNT_FIELDS, type CountField, type KpiCounts } from './counts.js';
import { timeOf } from './event-time.js';
import { resolveQueueKpiSettings, tenantSettingsResolver, type QueueKpiSettings, type TenantKpiSettings } from './queue-settings.js';
import { computeRatios, type KpiRatios } from './ratios.js';
import { judgeContacts, type Contact } from './repeat-contacts.js';
import { compareCodePoints, resolveVisit, visitKey } from './visit-state.js';

/** Options of {@link computeOracle}. */
export interface OracleOptions {
  /** Inclusive lower bound on `occurredAt`, epoch ms; unbounded when absent. */
  from?: number;
  /** Exclusive upper bound on `occurredAt`, epoch ms; unbounded when absent. */
  to?: number;
  /** A queue's thresholds, asked once per queue; `DEFAULT_QUEUE_KPI_SETTINGS` for every queue when absent, and for missing fields. */
  settings?: (tenantId: string, queueId: string) => Partial<QueueKpiSettings>;
  /**
   * A tenant's wave 2 settings (subscribers, repeat window, complaint response times), asked once per
   * tenant; `DEFAULT_TENANT_KPI_SETTINGS` when absent, and for missing fields.
   */
  tenantSettings?: (tenantId: string) => Partial<TenantKpiSettings>;
  /**
   * Deliveries the live store holds back as late ({@link splitLate} says which): counted in `late`,
   * never applied. The oracle has no delivery order, so it cannot tell lateness itself; leave them
   * out of `events` and pass them here.
   */
  late?: readonly CanonicalEvent[];
  /** When given, every row also carries `complaintState`: the complaint live state at this instant. */
  nowMs?: number;
}

/** What every row has: the counters, the ratios derived from them, and the rejects. */
export interface KpiRow extends KpiRatios {
  tenantId: string;
  counts: KpiCounts;
  /** Call events in range rejected as impossible transitions (DESIGN §5). Not part of `counts`, so not in `COUNT_FIELDS`. */
  anomalies: number;
  /**
   * Events in range dropped as duplicates: a repeated `eventId` within the visit (survey, complaint),
   * a second report of a fact the visit has, a second survey of one surveyId, a second filing,
   * response or closing of one complaintId.
   */
  duplicates: number;
  /** Events in range of `options.late`. */
  late: number;
  /** The complaint live state at `options.nowMs` (decision 0010 §4); only when `nowMs` is given. */
  complaintState?: ComplaintLiveState;
}

/** Every KPI of one queue (or campaign) over the oracle's range. */
export interface QueueKpi extends KpiRow {
  queueId: string;
}

/**
 * A tenant total (decision 0010 §6): counters summed over the tenant's queue rows (`maxWaitMs` the
 * max) plus its queue-less complaint counters; ratios computed from those sums, never averaged;
 * anomalies, duplicates and late summed likewise, plus the tenant-level ones.
 */
export interface TenantKpi extends KpiRow {
  queueId: null;
}

/** The result of {@link computeOracle}. */
export interface OracleResult {
  /** One entry per queue with any event attributed to it in range, sorted by tenantId then queueId. */
  queues: QueueKpi[];
  /** One entry per tenant with a queue row or any tenant-level (queue-less complaint) event in range, sorted by tenantId. */
  tenants: TenantKpi[];
}

interface Accumulator {
  tenantId: string;
  /** null: the tenant level (queue-less complaints). */
  queueId: string | null;
  counts: KpiCounts;
  anomalies: number;
  duplicates: number;
  late: number;
}

interface QueueAccumulator extends Accumulator {
  queueId: string;
  settings: QueueKpiSettings;
}

/** The distinct events (by eventId) of one visit or survey. */
interface Distinct<E> {
  ids: Set<string>;
  distinct: { event: E; ms: number }[];
}

/** The value under `key`, made and stored by `make` when there is none. */
function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function emptyAccumulator<Q extends string | null>(tenantId: string, queueId: Q): Accumulator & { queueId: Q } {
  return { tenantId, queueId, counts: emptyCounts(), anomalies: 0, duplicates: 0, late: 0 };
}

/** Adds an event to its group unless its eventId is there already; false for a repeated copy. */
function addDistinct<E extends { eventId: string }>(groups: Map<string, Distinct<E>>, key: string, event: E, ms: number): boolean {
  const group = getOrCreate(groups, key, (): Distinct<E> => ({ ids: new Set(), distinct: [] }));
  if (group.ids.has(event.eventId)) return false;
  group.ids.add(event.eventId);
  group.distinct.push({ event, ms });
  return true;
}

const MAX_FIELDS: ReadonlySet<CountField> = new Set(MAX_COUNT_FIELDS);

/** Adds a contribution into counters in place (the oracle's own accumulators only): no object per event. */
function addInto(counts: KpiCounts, delta: Partial<KpiCounts>): void {
  for (const field in delta) {
    const value = delta[field as CountField] ?? 0;
    const f = field as CountField;
    counts[f] = MAX_FIELDS.has(f) ? Math.max(counts[f], value) : counts[f] + value;
  }
}

/**
 * Computes every KPI offline from an event list: the reference the live pipeline
 * must match exactly (DESIGN §5, docs/decisions/0006-invalid-visits.md, 0010).
 *
 * Call events:
 * 1. grouped by visit (`visitKey`). Within a visit, an `eventId` seen before is a repeated copy:
 *    it counts as a duplicate and nothing else (the first in list order is kept);
 * 2. each visit is judged by `resolveVisit` over its distinct events in (`occurredAt`, `eventId`)
 *    order, whatever the range. Its direction is its applied offer's (none: inbound), wherever that
 *    offer sits in time (decision 0010 §2);
 * 3. each applied event whose own `occurredAt` is in `[from, to)` adds `contribution` (inbound
 *    visit) or `outboundContribution` (outbound visit) to its (tenant, queue);
 * 4. `maxWaitMs` is the largest `waitMs` of any distinct outcome event, whatever its verdict and
 *    direction (decision 0006; decision 0010 §2 "Deviation").
 *
 * Surveys (decision 0010 §3): judged per (tenant, queue, surveyId); the first distinct eventId in
 * (`occurredAt`, `eventId`) order is applied at its own time, the others are duplicates.
 *
 * Complaints (decision 0010 §4): judged per (tenant, complaintId) by `judgeComplaints`; counted in
 * the filing's queue, or at tenant level when the filing has none (even when it names a call):
 * filed at the filing, responded (and on time: first response `<= due`) at the first response,
 * resolved / rejected / withdrawn at the closing. A response or closing with no filing counts nowhere.
 *
 * Repeat-contact FCR (decision 0010 §5): each handled contact whose offer is in range counts in its
 * queue: `fcrContacts`, `fcrRepeated` when it has a repeat, `fcrPending` when it has none and the
 * tenant's event clock is not past t + N h. The event clock is the newest `occurredAt` of the
 * tenant's call events in `events` (every copy and verdict; not the late ones), whatever the range:
 * a function of the set of events, so it is the same under any delivery order.
 *
 * A queue is listed when anything is attributed to it in range (an applied, rejected or late call
 * event, a survey, a complaint event of a complaint filed there), so a queue whose only events were
 * anomalies, complaints or surveys still shows them. Agent events count for nothing.
 *
 * @param events - canonical events, in any order; not modified
 * @param options - range, per-queue and per-tenant settings, the late deliveries, now
 * @throws CallboardError `CB_USAGE` for a bad range, `CB_INPUT_INVALID` for an unparsable `occurredAt`
 *   or `responseDueAt`, `CB_QUEUE_CONFIG_INVALID` for bad settings
 */
export function computeOracle(events: readonly CanonicalEvent[], options: OracleOptions = {}): OracleResult {
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
    throw new CallboardError('CB_USAGE', 'the oracle range must satisfy from <= to', { from, to });
  }
  const inRange = (ms: number): boolean => ms >= from && ms < to;

  const settingsOfTenant = tenantSettingsResolver(options.tenantSettings);
  const queues = new Map<string, QueueAccumulator>();
  const queueRow = (tenantId: string, queueId: string): QueueAccumulator =>
    getOrCreate(queues, JSON.stringify([tenantId, queueId]), () => ({ ...emptyAccumulator(tenantId, queueId), settings: resolveQueueKpiSettings(options.settings?.(tenantId, queueId)) }));
  const tenantLevel = new Map<string, Accumulator>();
  const tenantRow = (tenantId: string): Accumulator => getOrCreate(tenantLevel, tenantId, () => emptyAccumulator(tenantId, null));
  /** The row of a complaint: its filing's queue, else the tenant level (also when the filing is unknown). */
  const complaintRow = (c: JudgedComplaint): Accumulator => {
    const queueId = c.filing?.event.queueId;
    return queueId === undefined ? tenantRow(c.tenantId) : queueRow(c.tenantId, queueId);
  };

  // Call events by visit, surveys by (tenant, queue, surveyId); the event clock per tenant.
  const visits = new Map<string, Distinct<CallEvent>>();
  const surveys = new Map<string, Distinct<SurveyCompleted>>();
  const clocks = new Map<string, number>();
  for (const event of events) {
    const ms = timeOf(event);
    let repeatedCopy = false;
    if (isCallEvent(event)) {
      if (!(ms <= (clocks.get(event.tenantId) ?? -Infinity))) clocks.set(event.tenantId, ms);
      repeatedCopy = !addDistinct(visits, visitKey(event), event, ms);
    } else if (isSurveyEvent(event)) {
      repeatedCopy = !addDistinct(surveys, JSON.stringify([event.tenantId, event.queueId, event.surveyId]), event, ms);
    }
    // A repeated eventId is a copy of one event: a duplicate at its own time, nothing else.
    if (repeatedCopy && inRange(ms)) queueRow(event.tenantId, (event as CallEvent | SurveyCompleted).queueId).duplicates += 1;
  }

  const contacts: Contact[] = [];
  for (const { distinct } of visits.values()) {
    const { verdicts } = resolveVisit(distinct);
    const offerAt = verdicts.findIndex((v, i) => v === 'applied' && distinct[i]!.event.type === 'call.offered');
    const offer = offerAt < 0 ? undefined : (distinct[offerAt]!.event as Extract<CallEvent, { type: 'call.offered' }>);
    const outbound = offer?.direction === 'outbound';
    let handled = false;
    distinct.forEach(({ event, ms }, i) => {
      const verdict = verdicts[i];
      if (verdict === 'applied' && event.type === 'call.answered') handled = true;
      if (!inRange(ms)) return;
      const acc = queueRow(event.tenantId, event.queueId);
      if (verdict === 'applied') addInto(acc.counts, outbound ? outboundContribution(event) : contribution(event, acc.settings));
      else if (verdict === 'anomaly') acc.anomalies += 1;
      else acc.duplicates += 1;
      if (event.type !== 'call.offered' && event.type !== 'call.completed') {
        acc.counts.maxWaitMs = Math.max(acc.counts.maxWaitMs, event.waitMs);
      }
    });
    if (offer !== undefined && !outbound && offer.callerKey !== undefined) {
      contacts.push({
        tenantId: offer.tenantId,
        queueId: offer.queueId,
        callId: offer.callId,
        callerKey: offer.callerKey,
        ms: distinct[offerAt]!.ms,
        handled,
      });
    }
  }

  for (const { contact, repeated, pending } of judgeContacts(
    contacts,
    (tenantId) => settingsOfTenant(tenantId).repeatWindowHours * 3_600_000,
    (tenantId) => clocks.get(tenantId) ?? -Infinity,
  )) {
    if (!inRange(contact.ms)) continue;
    const { counts } = queueRow(contact.tenantId, contact.queueId);
    counts.fcrContacts += 1;
    if (repeated) counts.fcrRepeated += 1;
    if (pending) counts.fcrPending += 1;
  }

  for (const { distinct } of surveys.values()) {
    let first = 0;
    for (let i = 1; i < distinct.length; i += 1) {
      const a = distinct[i]!;
      const b = distinct[first]!;
      if (a.ms - b.ms < 0 || (a.ms === b.ms && compareCodePoints(a.event.eventId, b.event.eventId) < 0)) first = i;
    }
    distinct.forEach(({ event, ms }, i) => {
      if (!inRange(ms)) return;
      const acc = queueRow(event.tenantId, event.queueId);
      if (i === first) addInto(acc.counts, surveyContribution(event));
      else acc.duplicates += 1;
    });
  }

  const complaints = judgeComplaints(events, settingsOfTenant, timeOf);
  const filedComplaints = new Map<string, JudgedComplaint>();
  for (const c of complaints) {
    if (c.filing !== undefined) filedComplaints.set(JSON.stringify([c.tenantId, c.complaintId]), c);
    if (c.filing !== undefined && inRange(c.filing.ms)) complaintRow(c).counts.complaintsFiled += 1;
    if (c.filing !== undefined && c.response !== undefined && inRange(c.response.ms)) {
      const { counts } = complaintRow(c);
      counts.complaintsResponded += 1;
      if (respondedOnTime(c)) counts.complaintsRespondedOnTime += 1;
    }
    if (c.filing !== undefined && c.closing !== undefined && inRange(c.closing.ms)) {
      const { counts } = complaintRow(c);
      const outcome = c.closing.event.outcome;
      if (outcome === 'resolved') counts.complaintsResolved += 1;
      else if (outcome === 'rejected') counts.complaintsRejected += 1;
      else counts.complaintsWithdrawn += 1;
    }
    for (const d of c.duplicates) if (inRange(d.ms)) complaintRow(c).duplicates += 1;
  }

  for (const event of options.late ?? []) {
    const ms = timeOf(event);
    if (!inRange(ms)) continue;
    if (isCallEvent(event) || isSurveyEvent(event)) queueRow(event.tenantId, event.queueId).late += 1;
    else if (isComplaintEvent(event)) {
      const known = filedComplaints.get(JSON.stringify([event.tenantId, event.complaintId]));
      (known === undefined ? tenantRow(event.tenantId) : complaintRow(known)).late += 1;
    }
  }

  return finish([...queues.values()], tenantLevel, complaints, settingsOfTenant, options.nowMs);
}

/** Sorts the rows, sums the tenant totals and derives every ratio (from sums, never averaged). */
function finish(
  queueAccs: QueueAccumulator[],
  tenantLevel: ReadonlyMap<string, Accumulator>,
  complaints: readonly JudgedComplaint[],
  settingsOfTenant: (tenantId: string) => Readonly<TenantKpiSettings>,
  nowMs: number | undefined,
): OracleResult {
  queueAccs.sort((a, b) => compareStrings(a.tenantId, b.tenantId) || compareStrings(a.queueId, b.queueId));
  const totals = new Map<string, Accumulator>();
  const total = (tenantId: string): Accumulator => getOrCreate(totals, tenantId, () => emptyAccumulator(tenantId, null));
  for (const acc of [...queueAccs, ...tenantLevel.values()]) {
    const t = total(acc.tenantId);
    addInto(t.counts, acc.counts);
    t.anomalies += acc.anomalies;
    t.duplicates += acc.duplicates;
    t.late += acc.late;
  }
  let liveOf: ((tenantId: string, queueId: string | null) => ComplaintLiveState) | undefined;
  if (nowMs !== undefined) {
    // Grouped once, so each row reads only its own complaints.
    const scopes = new Map<string, JudgedComplaint[]>();
    const push = (key: string, c: JudgedComplaint): void => void getOrCreate(scopes, key, (): JudgedComplaint[] => []).push(c);
    for (const c of complaints) {
      push(JSON.stringify([c.tenantId, null]), c);
      if (c.filing?.event.queueId !== undefined) push(JSON.stringify([c.tenantId, c.filing.event.queueId]), c);
    }
    liveOf = (tenantId, queueId) => liveStateOf(scopes.get(JSON.stringify([tenantId, queueId])) ?? [], nowMs);
  }
  const row = <Q extends string | null>(acc: Accumulator, queueId: Q) => ({
    tenantId: acc.tenantId,
    queueId,
    counts: acc.counts,
    ...computeRatios(acc.counts, subscribersOf(settingsOfTenant(acc.tenantId))),
    anomalies: acc.anomalies,
    duplicates: acc.duplicates,
    late: acc.late,
    ...(liveOf === undefined ? {} : { complaintState: liveOf(acc.tenantId, queueId) }),
  });
  return {
    queues: queueAccs.map((acc): QueueKpi => row(acc, acc.queueId)),
    tenants: [...totals.values()].sort((a, b) => compareStrings(a.tenantId, b.tenantId)).map((acc): TenantKpi => row(acc, null)),
  };
}

function subscribersOf(settings: Readonly<TenantKpiSettings>): { subscribers?: number } {
  return settings.subscribers === undefined ? {} : { subscribers: settings.subscribers };
}

/** Code-unit order, not locale order, so the output is the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
