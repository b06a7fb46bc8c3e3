import { CallboardError, isCallboardError } from '@callboard/errors';
import { validateEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import type { MapOutcome } from './options.js';

/**
 * Validates what a mapper built against the contract (DESIGN §2) and wraps it as an outcome. An event the contract
 * refuses (a waitMs beyond 30 days, say) makes the whole line an error with `code`, naming the field, never its value.
 */
export function outcomeOf(events: readonly CanonicalEventInput[], code: 'CB_ASTERISK_LINE_INVALID' | 'CB_ASTERISK_AMI_INVALID', what: string): MapOutcome {
  const out: CanonicalEvent[] = [];
  for (const input of events) {
    const result = validateEvent(input);
    if (!result.ok) return { events: [], error: new CallboardError(code, `${what} maps to an invalid ${input.type}: ${result.error.message}`) };
    out.push(result.event);
  }
  return { events: out };
}

/** Runs a mapping step; a CallboardError it throws (an unmappable name, a bad number) becomes the outcome's error. */
export function guarded(step: () => MapOutcome): MapOutcome {
  try {
    return step();
  } catch (err) {
    if (isCallboardError(err)) return { events: [], error: err };
    throw err;
  }
}

/**
 * Whole seconds as written by app_queue (`%ld`, `%d`) → ms.
 *
 * @throws CallboardError with `code` when the field is missing or not a non-negative integer
 */
export function secondsField(value: string | undefined, code: 'CB_ASTERISK_LINE_INVALID' | 'CB_ASTERISK_AMI_INVALID', what: string): number {
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) {
    throw new CallboardError(code, `${what} is ${value === undefined ? 'missing' : 'not a whole number of seconds'}`);
  }
  return Number(value.trim()) * 1000;
}
