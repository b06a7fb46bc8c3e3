import { CallboardError } from '@callboard/errors';

const NAMESPACE = /^[A-Za-z0-9_-]{1,32}$/;
/** Tickets and token keys are base64url: they can never hold the `:` separator. */
const KEY_PART = /^[A-Za-z0-9_-]{1,64}$/;

function part(kind: string, value: string): string {
  if (!KEY_PART.test(value)) throw new CallboardError('CB_KEY_INVALID', `${kind} would break the Redis key rules: it must match [A-Za-z0-9_-]{1,64}`);
  return value;
}

/** Every Redis key the gateway itself writes (the window and alert stores build their own). */
export function gatewayKeys(namespace: string) {
  if (!NAMESPACE.test(namespace)) throw new CallboardError('CB_KEY_INVALID', `namespace ${JSON.stringify(namespace)} must match [A-Za-z0-9_-]{1,32}`);
  return {
    /** A one-time WebSocket ticket: the grant it stands for, until redeemed or expired. */
    ticket: (ticket: string) => `${namespace}:gateway:ticket:${part('ticket', ticket)}`,
    /** Tickets taken by one token in the current minute (issue 8 item 5). */
    ticketRate: (tokenKey: string) => `${namespace}:gateway:ticket-rate:${part('token key', tokenKey)}`,
  };
}

export type GatewayKeys = ReturnType<typeof gatewayKeys>;
