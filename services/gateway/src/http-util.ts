import type { IncomingMessage, ServerResponse } from 'node:http';
import { type TokenClaims, verifyToken } from './auth.js';
import { GatewayError } from './errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** The path of a request without its query string: the only part that may be logged (tickets ride in queries). */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

/** The token of an `Authorization: Bearer` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Verifies the bearer token of a REST call; throws GatewayError. */
export async function authenticate(req: IncomingMessage, secret: string): Promise<TokenClaims> {
  return verifyToken(bearerToken(req), secret);
}

/** Checks that the token's tenant is the tenant in the path; the token is the only source of the tenant. */
export function requireTenant(claims: TokenClaims, tenantId: string): void {
  if (claims.tenantId !== tenantId) throw new GatewayError('tenant_forbidden', 'the token is for another tenant');
}
