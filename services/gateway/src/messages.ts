import { z } from 'zod';
import { IDENTIFIER_PATTERN } from '@callboard/events';
import { WINDOW_NAMES } from '@callboard/windows';

const correlation = { id: z.union([z.string().max(64), z.number().int()]).optional() };
const queueList = z.union([z.literal('*'), z.array(z.string().regex(IDENTIFIER_PATTERN, 'queue ids match [A-Za-z0-9_.-]{1,64}')).min(1).max(1000)]);
const fingerprint = z.string().min(1).max(256);

/** Messages a client may send (docs/websocket-protocol.md "Client messages"). */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), queues: queueList, windows: z.array(z.enum(WINDOW_NAMES)).max(WINDOW_NAMES.length).optional(), ...correlation }),
  z.object({ type: z.literal('unsubscribe'), queues: queueList, ...correlation }),
  z.object({ type: z.literal('ack'), fingerprint, ...correlation }),
  z.object({ type: z.literal('unack'), fingerprint, ...correlation }),
  z.object({ type: z.literal('ping'), ...correlation }),
]);

export type ClientMessage = z.output<typeof clientMessageSchema>;
export const CLIENT_MESSAGE_TYPES: readonly string[] = clientMessageSchema.options.map((o) => o.shape.type.value);
