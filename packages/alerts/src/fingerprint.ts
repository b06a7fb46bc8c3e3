import { createHash } from 'node:crypto';

/**
 * The identity of one alert (DESIGN §6 "Identity"): rule plus tenant plus queue. Hashing keeps it
 * short and fixed-length for Redis keys and webhook payloads; ids cannot contain `|` (they are
 * `[A-Za-z0-9_.-]`), so the joined input is unambiguous.
 *
 * @returns 16 hex characters (64 bits of sha256): collisions among a few million alerts are negligible
 */
export function fingerprint(ruleId: string, tenantId: string, queueId: string): string {
  return createHash('sha256').update(`${ruleId}|${tenantId}|${queueId}`).digest('hex').slice(0, 16);
}
