import { randomBytes } from 'node:crypto';
import type { RedisClient } from '@callboard/runtime';
import type { TokenClaims } from './auth.js';
import { gatewayKeys, type GatewayKeys } from './keys.js';

const TICKET_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/** What a ticket stands for: the claims of the token it was exchanged for, and that token's key. */
export interface TicketGrant {
  claims: TokenClaims;
  /** Counts the ticket's connection against the token it came from (connections per token). */
  tokenKey: string;
}

/**
 * One-time, short-lived tickets for browsers, which cannot set an Authorization header on a
 * WebSocket (issue 5). Kept in Redis so a ticket from one gateway instance works at another, and
 * redeemed with GETDEL so it is used at most once.
 */
export class TicketStore {
  private readonly keys: GatewayKeys;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
    readonly ttlSeconds: number,
  ) {
    this.keys = gatewayKeys(namespace);
  }

  async issue(grant: TicketGrant): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    // Never outlive the token it was exchanged for.
    const ttl = Math.max(1, Math.min(this.ttlSeconds, grant.claims.exp - Math.floor(Date.now() / 1000)));
    await this.redis.set(this.keys.ticket(ticket), JSON.stringify(grant), 'EX', ttl);
    return ticket;
  }

  /** The grant of a valid ticket, which is then gone; undefined for an unknown, used or expired one. */
  async redeem(ticket: string): Promise<TicketGrant | undefined> {
    if (!TICKET_PATTERN.test(ticket)) return undefined;
    const raw = await this.redis.getdel(this.keys.ticket(ticket));
    if (!raw) return undefined;
    const grant = JSON.parse(raw) as TicketGrant;
    return grant.claims.exp > Date.now() / 1000 ? grant : undefined;
  }
}
