import type { Result } from 'ioredis';
import type { AlertStore } from './alert-store.js';
import type { AlerterKeys } from './keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** commands/dispatch-lease-2.lua: the holder's fencing token, 0 when someone else holds the lease. */
    cbDispatchLease(leaseKey: string, fenceKey: string, holder: string, ttlMs: number): Result<number, Context>;
    /** commands/move-outbox-3.lua: entries appended, or {@link DISPATCH_FENCED_OUT}. */
    cbMoveOutbox(fenceKey: string, movedKey: string, dispatchOutboxKey: string, ...args: (string | number)[]): Result<number, Context>;
    /** commands/dispatch-commit-5.lua: deliveries created, or {@link DISPATCH_FENCED_OUT}. */
    cbDispatchCommit(fenceKey: string, outboxKey: string, grouperKey: string, deliveriesKey: string, queueKey: string, ...args: (string | number)[]): Result<number, Context>;
    /** commands/claim-deliveries-5.lua: [] or [claim, id, json, id, json, …]. */
    cbClaimDeliveries(fenceKey: string, queueKey: string, inFlightKey: string, claimsKey: string, deliveriesKey: string, token: number, now: number, visibleUntil: number, max: number): Result<string[], Context>;
    /** commands/delivery-sent-4.lua: 1 when marked, 0 when the claim was lost. */
    cbDeliverySent(inFlightKey: string, claimsKey: string, deliveriesKey: string, queueKey: string, id: string, claim: string): Result<number, Context>;
    /** commands/delivery-failed-5.lua: attempts so far (negative when dead-lettered), 1 for a release, 0 when the claim was lost. */
    cbDeliveryFailed(queueKey: string, inFlightKey: string, claimsKey: string, deliveriesKey: string, deadKey: string, ...args: (string | number)[]): Result<number, Context>;
  }
}

/** What commands/dispatch-commit-5.lua and move-outbox-3.lua answer when the pass's fencing token is stale. */
const DISPATCH_FENCED_OUT = -1;

/**
 * How long a moved entry's id is remembered: a move repeated after a crash (before the entries left
 * the tenant's outbox) is skipped within this time. The next lease holder repeats it within seconds.
 */
const MOVED_ID_MEMORY_MS = 24 * 3600_000;

/**
 * A webhook call waiting in Redis; its id is the batch's idempotency key. It names its route and
 * never copies the route's URL or headers (credentials): the sender looks them up in the rules
 * loaded when it sends (issue 8 item 4).
 */
export interface Delivery {
  id: string;
  route: string;
  body: string;
  attempts: number;
  createdAt: number;
  /** Why the last attempt failed. */
  lastError?: string;
}

/** A delivery claimed by one sender until `claim`'s visibility deadline. */
export interface ClaimedDelivery {
  delivery: Delivery;
  claim: string;
}

/** How a failed attempt is recorded: retried later, dead-lettered now, or handed back uncounted. */
export type FailureMode = 'retry' | 'dead' | 'release';

/**
 * The notification side of the alerter's Redis state (issue 8 item 11): the dispatch lease with its
 * fencing token, the fenced commit of a dispatcher pass, and delivery claims with a visibility
 * deadline. Every write checks the token (or, for a claimed delivery, the claim), so an instance
 * whose lease ran out mid-pass cannot overwrite what the new holder did, and two instances never
 * POST one delivery at the same time.
 */
export class NotifyStore {
  readonly keys: AlerterKeys;

  constructor(private readonly store: AlertStore) {
    this.keys = store.keys;
  }

  private get redis() {
    return this.store.redis;
  }

  /** Takes or renews the dispatch lease; returns the fencing token, or 0 when another instance holds it. */
  async acquireLease(holder: string, ttlMs: number): Promise<number> {
    return Number(await this.redis.cbDispatchLease(this.keys.lease, this.keys.fence, holder, ttlMs));
  }

  /** Raw entries from the head of a tenant's outbox, as {@link removeFromTenantOutbox} must name them. */
  async readTenantOutbox(tenantId: string, max: number): Promise<string[]> {
    return this.redis.lrange(this.keys.outbox(tenantId), 0, max - 1);
  }

  /**
   * Appends entries read from a tenant's outbox to the dispatcher's outbox under `token`, each once
   * by its id; false, having written nothing, when the token is stale.
   */
  async moveToDispatch(token: number, entries: readonly string[], now: number): Promise<boolean> {
    if (entries.length === 0) return true;
    const args: (string | number)[] = [String(token), now, MOVED_ID_MEMORY_MS];
    // Entries saved before ids existed are identified by their bytes.
    for (const raw of entries) args.push((JSON.parse(raw) as { id?: string }).id ?? raw, raw);
    return (await this.redis.cbMoveOutbox(this.keys.fence, this.keys.moved, this.keys.dispatchOutbox, ...args)) !== DISPATCH_FENCED_OUT;
  }

  /** Removes moved entries from a tenant's outbox by identity (one key, one MULTI), so an entry saved meanwhile stays. */
  async removeFromTenantOutbox(tenantId: string, entries: readonly string[]): Promise<void> {
    if (entries.length === 0) return;
    const key = this.keys.outbox(tenantId);
    const tx = this.redis.multi();
    for (const raw of entries) tx.lrem(key, 1, raw);
    await tx.exec();
  }

  /** Raw entries from the head of the dispatcher's outbox, as the commit must name them to remove them. */
  async readOutbox(max: number): Promise<string[]> {
    return this.redis.lrange(this.keys.dispatchOutbox, 0, max - 1);
  }

  /**
   * Saves a dispatcher pass under `token`: the grouper state, the removal of the outbox entries it
   * read (by identity) and its new deliveries. Returns false, having written nothing, when the token
   * is stale.
   */
  async commitDispatch(token: number, pass: { grouper: string; entries: readonly string[]; deliveries: readonly Delivery[]; now: number }): Promise<boolean> {
    const k = this.keys;
    const args: (string | number)[] = [String(token), pass.grouper, pass.now, pass.entries.length, ...pass.entries];
    for (const d of pass.deliveries) args.push(d.id, JSON.stringify(d));
    return (await this.redis.cbDispatchCommit(k.fence, k.dispatchOutbox, k.grouper, k.deliveries, k.deliveryQueue, ...args)) !== DISPATCH_FENCED_OUT;
  }

  /** Claims up to `max` due deliveries (or ones whose claim expired) until `visibleUntil`; none when the token is stale. */
  async claim(token: number, now: number, visibleUntil: number, max: number): Promise<ClaimedDelivery[]> {
    const k = this.keys;
    const [claim, ...rest] = await this.redis.cbClaimDeliveries(k.fence, k.deliveryQueue, k.inFlight, k.claims, k.deliveries, token, now, visibleUntil, max);
    const out: ClaimedDelivery[] = [];
    for (let i = 0; i + 1 < rest.length; i += 2) out.push({ claim: claim!, delivery: JSON.parse(rest[i + 1]!) as Delivery });
    return out;
  }

  /** Marks a delivery sent; false when its claim was lost to another sender. */
  async sent(id: string, claim: string): Promise<boolean> {
    const k = this.keys;
    return (await this.redis.cbDeliverySent(k.inFlight, k.claims, k.deliveries, k.deliveryQueue, id, claim)) === 1;
  }

  /** Records a failed attempt; see {@link FailureMode}. Returns what commands/delivery-failed-5.lua answers. */
  async failed(id: string, claim: string, failure: { mode: FailureMode; nextAt: number; maxAttempts: number; error: string }): Promise<number> {
    const k = this.keys;
    return this.redis.cbDeliveryFailed(k.deliveryQueue, k.inFlight, k.claims, k.deliveries, k.dead, id, claim, failure.mode, failure.nextAt, failure.maxAttempts, failure.error);
  }

  /** Deliveries waiting to be sent, retried, or in flight. */
  async pending(): Promise<number> {
    const [queued, inFlight] = await Promise.all([this.redis.zcard(this.keys.deliveryQueue), this.redis.zcard(this.keys.inFlight)]);
    return queued + inFlight;
  }
}
