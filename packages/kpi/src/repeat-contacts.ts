/**
 * A contact for repeat-contact FCR (issue 11 "Definitions", decision 0010 §5): an inbound visit
 * whose applied `call.offered` carries a `callerKey`, at that offer's time.
 */
export interface Contact {
  tenantId: string;
  queueId: string;
  callId: string;
  callerKey: string;
  /** The applied offer's `occurredAt`, epoch ms. */
  ms: number;
  /** The visit's applied outcome is an answer (the verdict that counts `answered`). */
  handled: boolean;
}

/** A handled contact and how it stands. */
export interface JudgedContact {
  contact: Contact;
  /** Another inbound visit of the tenant with the same callerKey and another callId was offered in (t, t + N h]. */
  repeated: boolean;
  /** No repeat, and the tenant's event clock is not past t + N h yet: not final. */
  pending: boolean;
}

/**
 * Judges every handled contact: repeated, pending, or final without a repeat.
 *
 * A repeat is searched among all contacts of the tenant and callerKey (any queue, any channel,
 * answered or not), whatever the range the handled contact is reported in. Exactly N hours later
 * IS a repeat; the same time is not (the window is (t, t + N h]); the same callId (the call
 * flowing on to another queue) never is. Sorting makes it O(n log n): per callerKey the contacts
 * are ordered by time, and from the first one strictly later the first of another callId is found
 * in one step with a precomputed "next index with another callId".
 *
 * @param contacts - every contact (handled or not) of the events
 * @param windowMsOf - the tenant's N hours in ms
 * @param clockOf - the tenant's event clock, epoch ms
 * @returns the handled contacts, in no particular order
 */
export function judgeContacts(contacts: readonly Contact[], windowMsOf: (tenantId: string) => number, clockOf: (tenantId: string) => number): JudgedContact[] {
  const byCaller = new Map<string, Contact[]>();
  for (const c of contacts) {
    const key = JSON.stringify([c.tenantId, c.callerKey]);
    const list = byCaller.get(key);
    if (list === undefined) byCaller.set(key, [c]);
    else list.push(c);
  }
  const judged: JudgedContact[] = [];
  for (const list of byCaller.values()) {
    list.sort((a, b) => a.ms - b.ms);
    const n = list.length;
    // nextOther[i]: the smallest j > i whose callId differs from list[i]'s (n when none).
    const nextOther = new Array<number>(n);
    for (let i = n - 1; i >= 0; i -= 1) {
      const next = i + 1;
      nextOther[i] = next >= n ? n : list[next]!.callId !== list[i]!.callId ? next : nextOther[next]!;
    }
    const { tenantId } = list[0]!;
    const windowMs = windowMsOf(tenantId);
    const clock = clockOf(tenantId);
    for (const contact of list) {
      if (!contact.handled) continue;
      const later = firstAfter(list, contact.ms);
      const candidate = later < n && list[later]!.callId === contact.callId ? nextOther[later]! : later;
      const repeated = candidate < n && list[candidate]!.ms <= contact.ms + windowMs;
      judged.push({ contact, repeated, pending: !repeated && clock <= contact.ms + windowMs });
    }
  }
  return judged;
}

/** The index of the first contact with `ms > t` in a list sorted by `ms` (the length when none). */
function firstAfter(list: readonly Contact[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.ms <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
