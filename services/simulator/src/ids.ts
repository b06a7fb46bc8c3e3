import { IDENTIFIER_PATTERN } from '@callboard/events';

/**
 * The id of the `n`-th generated agent of a tenant (1-based), e.g. `a-acme-telecom-7`.
 * Agent ids are Kafka keys of the agent topic, so they are stable across runs and seeds.
 */
export function generatedAgentId(tenantId: string, n: number): string {
  return `a-${tenantId}-${n}`;
}

/** Whether `id` may be used as a tenant, queue or agent id (DESIGN §2). */
export function isIdentifier(id: string): boolean {
  return IDENTIFIER_PATTERN.test(id);
}

/**
 * The default run id: the seed and the start instant in base 36. Event and call ids embed it, so
 * two runs with one seed but different starts (a restarted demo) never reuse an id the aggregator
 * has already seen, while the same seed and start replay byte-identical output.
 */
export function defaultRunId(seed: number, start: number): string {
  return `${seed}-${start.toString(36)}`;
}
