import { createHash, timingSafeEqual } from 'node:crypto';
import { isCallboardError } from '@callboard/errors';
import { requireRole, verifyToken as verifyAnyToken, type TokenClaims as AnyTokenClaims } from '@callboard/tokens';
import { GatewayError, type GatewayReason } from './errors.js';

// Signing and checking live in packages/tokens, shared with the HTTP ingest (issue 10 item 3);
// re-exported so the gateway's imports keep working.
export { issueToken, MIN_SECRET_LENGTH } from '@callboard/tokens';

/** The roles the gateway serves; an `ingest` token opens none of its routes nor the WebSocket. */
export const ROLES = ['wallboard', 'lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The claims of a token the gateway accepts (DESIGN §7): the tenant comes only from here, never from a message. */
export type TokenClaims = AnyTokenClaims<Role>;

const REASON_OF: Partial<Record<string, GatewayReason>> = {
  CB_TOKEN_MISSING: 'token_missing',
  CB_TOKEN_EXPIRED: 'token_expired',
  CB_TOKEN_INVALID: 'token_invalid',
  CB_ROLE_FORBIDDEN: 'role_forbidden',
};

/**
 * Checks a token's signature (HS256 only), expiry (required), claims and role.
 * @returns the claims
 * @throws GatewayError `token_missing`, `token_expired`, `token_invalid`, or `role_forbidden` for a valid token of a role the gateway does not serve
 */
export async function verifyToken(token: string | undefined, secret: string): Promise<TokenClaims> {
  try {
    return requireRole(await verifyAnyToken(token, secret), ROLES, 'open the gateway');
  } catch (err) {
    const reason = isCallboardError(err) ? REASON_OF[err.code] : undefined;
    if (reason) throw new GatewayError(reason, err instanceof Error ? err.message : 'token refused', { cause: err });
    throw err;
  }
}

/**
 * Whether `presented` is the scrape token, compared in constant time. Both sides are hashed first, so
 * neither the comparison's time nor an early length check tells a caller how much of a guess was right.
 */
export function isScrapeToken(presented: string | undefined, scrapeToken: string | undefined): boolean {
  if (presented === undefined || scrapeToken === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(scrapeToken));
}
