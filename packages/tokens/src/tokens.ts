import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { identifier } from '@callboard/events';

/**
 * Every role a callboard token may carry. The gateway opens its routes and WebSocket to `wallboard`,
 * `lead` and `admin`; `ingest` only posts events to the HTTP ingest (issue 10 item 3), and opens
 * nothing else: each service checks the role it needs on top of {@link verifyToken}.
 */
export const ROLES = ['wallboard', 'lead', 'admin', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

/** The claims a token carries (DESIGN §7): the tenant comes only from here, never from a message. */
export interface TokenClaims<R extends Role = Role> {
  tenantId: string;
  role: R;
  /** Who the token was issued to, when known; recorded as the author of acknowledgements. */
  sub?: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/**
 * The variable whose secret signs and checks each role's tokens. Ingest tokens have their own secret,
 * so a host that takes events (and must hold the secret that checks them) cannot mint a wallboard,
 * lead or admin token, and a token signed with it opens no gateway route: the gateway checks only
 * with CB_GATEWAY_SECRET, the HTTP ingest only with CB_INGEST_TOKEN_SECRET (issue 10, round 2).
 */
export const SECRET_VARIABLE = {
  wallboard: 'CB_GATEWAY_SECRET',
  lead: 'CB_GATEWAY_SECRET',
  admin: 'CB_GATEWAY_SECRET',
  ingest: 'CB_INGEST_TOKEN_SECRET',
} as const satisfies Record<Role, string>;

/** The one algorithm accepted: a shared-secret HMAC. `none` and asymmetric algorithms are refused. */
const ALGORITHM = 'HS256';
export const MIN_SECRET_LENGTH = 32;
/** Longer than any token callboard issues; a longer one is refused before it is parsed. */
const MAX_TOKEN_LENGTH = 8192;

const claimsSchema = z.object({
  tenantId: identifier,
  role: z.enum(ROLES),
  sub: z.string().min(1).max(128).optional(),
  exp: z.number().int(),
});

function keyOf(secret: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) throw new TypeError(`the token secret must be at least ${MIN_SECRET_LENGTH} characters`);
  return new TextEncoder().encode(secret);
}

/**
 * Signs a token for `tenantId` with `role`, valid `ttlSeconds`.
 * @param input - the claims and the lifetime in seconds
 * @param secret - the role's secret ({@link SECRET_VARIABLE}), at least 32 characters
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
 * Checks a token's signature (HS256 only), expiry (required) and claims. It does not check the role:
 * the caller knows which roles it serves.
 * @param secrets - the secret, or the secrets accepted during a rotation, newest first: a token whose
 *   signature fails with one is tried with the next (each compared in constant time by jose); any other
 *   fault (expired, malformed, `alg: none`) is final
 * @returns the claims
 * @throws CallboardError `CB_TOKEN_MISSING`, `CB_TOKEN_EXPIRED` or `CB_TOKEN_INVALID`; the message never holds the token
 */
export async function verifyToken(token: string | undefined, secrets: string | readonly string[]): Promise<TokenClaims> {
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map(keyOf);
  if (keys.length === 0) throw new TypeError('verifyToken needs at least one secret');
  if (!token) throw new CallboardError('CB_TOKEN_MISSING', 'no token was presented');
  if (token.length > MAX_TOKEN_LENGTH) throw new CallboardError('CB_TOKEN_INVALID', 'token too long');
  let payload: unknown;
  for (const [i, key] of keys.entries()) {
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], requiredClaims: ['exp'] }));
      break;
    } catch (err) {
      if (err instanceof joseErrors.JWSSignatureVerificationFailed && i < keys.length - 1) continue;
      if (err instanceof joseErrors.JWTExpired) throw new CallboardError('CB_TOKEN_EXPIRED', 'token expired', { cause: err });
      throw new CallboardError('CB_TOKEN_INVALID', 'token invalid', { cause: err });
    }
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) throw new CallboardError('CB_TOKEN_INVALID', 'token claims invalid: tenantId, role and exp are required');
  return parsed.data;
}

/** The claims, narrowed to `roles`, or `CB_ROLE_FORBIDDEN`: a valid token of a role this service does not serve. */
export function requireRole<R extends Role>(claims: TokenClaims, roles: readonly R[], what: string): TokenClaims<R> {
  if (!(roles as readonly Role[]).includes(claims.role)) throw new CallboardError('CB_ROLE_FORBIDDEN', `a ${claims.role} token cannot ${what}; it needs the ${roles.join(' or ')} role`);
  return claims as TokenClaims<R>;
}

/**
 * Refuses ingest token secrets equal to the gateway's: with one value for both, a host that checks
 * ingest tokens could mint admin tokens again, which is what the separate secret is for.
 * @param gatewaySecret - CB_GATEWAY_SECRET where the caller's environment has it, else undefined
 * @param ingestSecrets - the ingest secrets by variable name (the current one and, in a rotation, the previous one)
 * @throws CallboardError `CB_CONFIG_INVALID` naming the variables, never their values
 */
export function assertIngestSecretsApart(gatewaySecret: string | undefined, ingestSecrets: Readonly<Record<string, string | undefined>>): void {
  if (!gatewaySecret) return;
  for (const [name, value] of Object.entries(ingestSecrets)) {
    if (value === gatewaySecret) throw new CallboardError('CB_CONFIG_INVALID', `invalid configuration: ${name} must differ from CB_GATEWAY_SECRET (ingest tokens have a secret of their own)`);
  }
}
