import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { identifier } from '@callboard/events';
import { GatewayError } from './errors.js';

export const ROLES = ['wallboard', 'lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The claims a gateway token carries (DESIGN §7): the tenant comes only from here, never from a message. */
export interface TokenClaims {
  tenantId: string;
  role: Role;
  /** Who the token was issued to, when known; recorded as the author of acknowledgements. */
  sub?: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** The one algorithm accepted: a shared-secret HMAC. `none` and asymmetric algorithms are refused. */
const ALGORITHM = 'HS256';
export const MIN_SECRET_LENGTH = 32;

const claimsSchema = z.object({
  tenantId: identifier,
  role: z.enum(ROLES),
  sub: z.string().min(1).max(128).optional(),
  exp: z.number().int(),
});

function keyOf(secret: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) throw new TypeError(`the gateway secret must be at least ${MIN_SECRET_LENGTH} characters`);
  return new TextEncoder().encode(secret);
}

/**
 * Signs a token for `tenantId` with `role`, valid `ttlSeconds`.
 * @param input - the claims and the lifetime in seconds
 * @param secret - CB_GATEWAY_SECRET, at least 32 characters
 */
export async function issueToken(input: { tenantId: string; role: Role; ttlSeconds: number; sub?: string }, secret: string): Promise<string> {
  const claims = claimsSchema.omit({ exp: true }).parse({ tenantId: input.tenantId, role: input.role, ...(input.sub ? { sub: input.sub } : {}) });
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive integer');
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ tenantId: claims.tenantId, role: claims.role }).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' }).setJti(randomUUID()).setIssuedAt(now).setExpirationTime(now + input.ttlSeconds);
  if (claims.sub) jwt = jwt.setSubject(claims.sub);
  return jwt.sign(keyOf(secret));
}

/**
 * Checks a token's signature (HS256 only), expiry (required) and claims.
 * @returns the claims
 * @throws GatewayError `token_missing`, `token_expired` or `token_invalid`
 */
export async function verifyToken(token: string | undefined, secret: string): Promise<TokenClaims> {
  if (!token) throw new GatewayError('token_missing', 'no token was presented');
  if (token.length > 8192) throw new GatewayError('token_invalid', 'token too long');
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyOf(secret), { algorithms: [ALGORITHM], requiredClaims: ['exp'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new GatewayError('token_expired', 'token expired', { cause: err });
    throw new GatewayError('token_invalid', 'token invalid', { cause: err });
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) throw new GatewayError('token_invalid', 'token claims invalid: tenantId, role and exp are required');
  return parsed.data;
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
