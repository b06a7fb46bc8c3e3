/**
 * Why the gateway refused something. These are protocol-level reasons a client sees (HTTP bodies,
 * WebSocket close codes); they stay inside the gateway rather than growing `CB_*` codes, because
 * they describe a caller's request, not a fault of callboard (docs/websocket-protocol.md).
 */
export const GATEWAY_REASONS = [
  'token_missing',
  'token_invalid',
  'token_expired',
  'ticket_invalid',
  'origin_forbidden',
  'tenant_forbidden',
  'role_forbidden',
  'too_many_connections',
] as const;

export type GatewayReason = (typeof GATEWAY_REASONS)[number];

/** The HTTP status each reason gets, on REST calls and on a refused WebSocket upgrade. */
export const HTTP_STATUS: Readonly<Record<GatewayReason, number>> = {
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  ticket_invalid: 401,
  origin_forbidden: 403,
  tenant_forbidden: 403,
  role_forbidden: 403,
  too_many_connections: 429,
};

/** A request the gateway refuses, with a stable reason; code branches on `reason`, never on the message. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly reason: GatewayReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  get status(): number {
    return HTTP_STATUS[this.reason];
  }
}

/** WebSocket close codes the server uses (docs/websocket-protocol.md "Close codes"). */
export const CLOSE_CODES = {
  /** The server is shutting down; reconnect with backoff. */
  goingAway: 1001,
  unauthorized: 4001,
  forbidden: 4003,
  tooSlow: 4008,
  tooLarge: 4009,
  rateLimited: 4029,
} as const;

/** Codes of `{type:'error'}` frames (docs/websocket-protocol.md "Error codes"). */
export const PROTOCOL_ERROR_CODES = ['bad_json', 'unknown_type', 'too_large', 'rate_limited', 'forbidden', 'not_found', 'invalid', 'internal'] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];
