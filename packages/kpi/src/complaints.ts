import { CallboardError } from '@callboard/errors';
import { isComplaintEvent, type CanonicalEvent, type ComplaintEvent, type ComplaintFiled, type ComplaintResolved } from '@callboard/events';
import { timeOf } from './event-time.js';
import { tenantSettingsResolver, type TenantKpiSettings } from './queue-settings.js';
import { compareCodePoints } from './visit-state.js';

/** A complaint event with its `occurredAt` in epoch ms. */
export interface TimedComplaintEvent<E extends ComplaintEvent = ComplaintEvent> {
  event: E;
  ms: number;
}

/**
 * One complaint judged over its events (decision 0010 §4): of its distinct eventIds, in
 * (`occurredAt`, `eventId`) order, the first `complaint.filed` is the filing, the first
 * `complaint.responded` the first response, the first `complaint.resolved` the closing; every other
 * event (and every repeated copy of an eventId) is a duplicate.
 */
export interface JudgedComplaint {
  tenantId: string;
  complaintId: string;
  /** The filing and its due time: `responseDueAt`, else filing + the tenant's `complaintResponseMs[severity]`. */
  filing?: TimedComplaintEvent<ComplaintFiled> & { dueMs: number };
  response?: TimedComplaintEvent;
  closing?: TimedComplaintEvent<ComplaintResolved>;
  duplicates: TimedComplaintEvent[];
}

/**
 * Judges every complaint of an event list (decision 0010 §4). The result depends on the set of
 * events, not on their order: copies of one eventId are one event, and the rest is decided in
 * (`occurredAt`, `eventId`) order.
 *
 * @param events - canonical events in any order; only complaint events are read
 * @param settingsOf - the tenant's settings (defaults filled), for the due time of a filing without `responseDueAt`
 * @param timeOf - an event's `occurredAt` in epoch ms (throws on an unparsable one)
 * @returns one entry per (tenant, complaintId), in no particular order
 * @throws CallboardError `CB_INPUT_INVALID` for an unparsable `responseDueAt`
 */
export function judgeComplaints(
  events: readonly CanonicalEvent[],
  settingsOf: (tenantId: string) => Readonly<TenantKpiSettings>,
  timeOf: (event: CanonicalEvent) => number,
): JudgedComplaint[] {
  const groups = new Map<string, { ids: Set<string>; distinct: TimedComplaintEvent[]; copies: TimedComplaintEvent[] }>();
  for (const event of events) {
    if (!isComplaintEvent(event)) continue;
    const key = JSON.stringify([event.tenantId, event.complaintId]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { ids: new Set(), distinct: [], copies: [] };
      groups.set(key, group);
    }
    const timed = { event, ms: timeOf(event) };
    if (group.ids.has(event.eventId)) group.copies.push(timed);
    else {
      group.ids.add(event.eventId);
      group.distinct.push(timed);
    }
  }
  const judged: JudgedComplaint[] = [];
  for (const { distinct, copies } of groups.values()) {
    distinct.sort((a, b) => a.ms - b.ms || compareCodePoints(a.event.eventId, b.event.eventId));
    const first = distinct[0] as TimedComplaintEvent;
    const complaint: JudgedComplaint = { tenantId: first.event.tenantId, complaintId: first.event.complaintId, duplicates: copies };
    for (const timed of distinct) {
      const { event, ms } = timed;
      if (event.type === 'complaint.filed' && complaint.filing === undefined) {
        complaint.filing = { event, ms, dueMs: dueOf(event, ms, settingsOf(event.tenantId)) };
      } else if (event.type === 'complaint.responded' && complaint.response === undefined) {
        complaint.response = timed;
      } else if (event.type === 'complaint.resolved' && complaint.closing === undefined) {
        complaint.closing = { event, ms };
      } else {
        complaint.duplicates.push(timed);
      }
    }
    judged.push(complaint);
  }
  return judged;
}

function dueOf(filing: ComplaintFiled, filedMs: number, settings: Readonly<TenantKpiSettings>): number {
  if (filing.responseDueAt === undefined) return filedMs + settings.complaintResponseMs[filing.severity];
  // Offsets are allowed (`+08:00`): Date.parse reads them; the contract normalises to UTC anyway.
  const due = Date.parse(filing.responseDueAt);
  if (Number.isNaN(due)) {
    throw new CallboardError('CB_INPUT_INVALID', 'complaint responseDueAt is not an instant', { eventId: filing.eventId, responseDueAt: filing.responseDueAt });
  }
  return due;
}

/** Whether the complaint's first response was at or before its due time (later responses are ignored). */
export function respondedOnTime(complaint: JudgedComplaint): boolean {
  return complaint.filing !== undefined && complaint.response !== undefined && complaint.response.ms <= complaint.filing.dueMs;
}

/** Live complaint state at a given "now" (DESIGN §3, decision 0010 §4): what 实时提醒机制 and the tenant strip show. */
export interface ComplaintLiveState {
  /** Filed and not closed. */
  complaintsOpen: number;
  /** Open, not responded, and due before now (`dueAt < now`). */
  complaintsOverdue: number;
  /** now − the oldest open filing time; `null` when none is open. */
  oldestOpenComplaintAgeMs: number | null;
}

/** Options of {@link complaintLiveState}. */
export interface ComplaintLiveStateOptions {
  /** The moment the state is taken at, epoch ms. */
  nowMs: number;
  /** A queue's complaints only; `null`: the whole tenant, queue-less complaints included. */
  queueId: string | null;
  /** Only this tenant's complaints; absent: every complaint in `events` (pass one tenant's events). */
  tenantId?: string;
  /** A tenant's settings, for the due time of a filing without `responseDueAt`; defaults when absent. */
  tenantSettings?: (tenantId: string) => Partial<TenantKpiSettings>;
}

/**
 * The state {@link ComplaintLiveState} from the complaints judged so far, counted over the filed
 * ones (a response or closing with no known filing counts nowhere, decision 0010 §4).
 *
 * @param complaints - judged complaints, e.g. from {@link judgeComplaints}
 */
export function liveStateOf(complaints: Iterable<JudgedComplaint>, nowMs: number): ComplaintLiveState {
  let complaintsOpen = 0;
  let complaintsOverdue = 0;
  let oldest = Infinity;
  for (const c of complaints) {
    if (c.filing === undefined || c.closing !== undefined) continue;
    complaintsOpen += 1;
    if (c.response === undefined && c.filing.dueMs < nowMs) complaintsOverdue += 1;
    if (c.filing.ms < oldest) oldest = c.filing.ms;
  }
  return { complaintsOpen, complaintsOverdue, oldestOpenComplaintAgeMs: complaintsOpen > 0 ? nowMs - oldest : null };
}

/** Whether a judged complaint belongs to a live-state scope: its queue, or the whole tenant (`queueId: null`). */
export function inComplaintScope(complaint: JudgedComplaint, queueId: string | null): boolean {
  return queueId === null || complaint.filing?.event.queueId === queueId;
}

/**
 * The complaint live state of a tenant or one of its queues at `nowMs`, straight from an event list:
 * the reference the live store's `complaintState` and the reminders must match. Every complaint event
 * in `events` counts, whatever its time (leave late deliveries out, as the store does).
 *
 * @param events - canonical events in any order; only complaint events are read
 * @param options - now, the scope and the tenant settings
 * @throws CallboardError `CB_INPUT_INVALID` for an unparsable `occurredAt` or `responseDueAt`,
 *   `CB_QUEUE_CONFIG_INVALID` for bad tenant settings
 */
export function complaintLiveState(events: readonly CanonicalEvent[], options: ComplaintLiveStateOptions): ComplaintLiveState {
  const settingsOf = tenantSettingsResolver(options.tenantSettings);
  const { tenantId } = options;
  const scoped = tenantId === undefined ? events : events.filter((e) => e.tenantId === tenantId);
  const complaints = judgeComplaints(scoped, settingsOf, timeOf).filter((c) => inComplaintScope(c, options.queueId));
  return liveStateOf(complaints, options.nowMs);
}
