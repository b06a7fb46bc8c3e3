import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { identifier } from '@callboard/events';

/** Milliseconds after the simulation's `start`, not an epoch instant, so a scenario can be reused. */
const at = z.number().int().nonnegative();

const target = {
  queueId: identifier,
  /** Needed only when two tenants have a queue of that id. */
  tenantId: identifier.optional(),
};

/**
 * Time-based overrides of a run. Alerting tests use them to make one queue's service level fall
 * (remove agents, raise the arrival rate) and then recover.
 */
export const scenarioStepSchema = z.discriminatedUnion('action', [
  z
    .object({
      at,
      action: z.literal('removeAgents'),
      ...target,
      /** Up to this many logged-in agents with the queue's skill go `away`, after their current call. */
      count: z.number().int().positive(),
      /** The `reason` of their `away` state. */
      reason: z.string().min(1).max(64).default('scenario'),
    })
    .strict(),
  z
    .object({
      at,
      action: z.literal('restoreAgents'),
      ...target,
    })
    .strict(),
  z
    .object({
      at,
      action: z.literal('setRateMultiplier'),
      ...target,
      /** Multiplies the queue's `baseCallsPerHour`; 0 stops arrivals, 3 triples them. */
      multiplier: z.number().nonnegative().finite().max(1000),
    })
    .strict(),
]);

export type ScenarioStep = z.output<typeof scenarioStepSchema>;
export type ScenarioStepInput = z.input<typeof scenarioStepSchema>;

/**
 * Validates a scenario.
 *
 * @throws CallboardError `CB_CONFIG_INVALID` naming the offending step and field.
 */
export function parseScenario(value: unknown): ScenarioStep[] {
  const parsed = z.array(scenarioStepSchema).safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 10)
      .map((i) => `scenario.${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new CallboardError('CB_CONFIG_INVALID', `invalid scenario: ${detail}`);
  }
  return parsed.data;
}
