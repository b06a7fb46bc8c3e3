import type { ZodError } from 'zod';
import { CallboardError } from '@callboard/errors';
import { canonicalEventSchema, isUtcIsoUnchanged, toUtcInstant, type CanonicalEvent } from './contract.js';
import { compileFastParser } from './fast-parse.js';

/** A readable one-line summary of a zod error: `waitMs: Number must be >= 0; type: ...`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export type ValidationResult = { ok: true; event: CanonicalEvent } | { ok: false; error: CallboardError };

/** The contract compiled once: sure of most valid events, unsure of everything else (see fast-parse.ts). */
export const contractFastParser = compileFastParser(canonicalEventSchema, { unchangedBy: new Map([[toUtcInstant, isUtcIsoUnchanged]]) });

/**
 * Validates and normalises one event against contract v1. An event the compiled parser is sure of gets
 * its output; any other input gets zod's own verdict, message and output. It never throws: whatever the
 * input, it comes back valid or refused (an instant Date cannot read, `+99:99`, is refused too).
 */
export function validateEvent(input: unknown): ValidationResult {
  const event = contractFastParser.parse(input);
  if (event !== undefined) return { ok: true, event };
  return validateEventWithZod(input);
}

/** Validation by the zod schema alone: the fallback of {@link validateEvent}, and its reference in the equivalence test and the decode bench. */
export function validateEventWithZod(input: unknown): ValidationResult {
  const parsed = canonicalEventSchema.safeParse(input);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, error: new CallboardError('CB_EVENT_INVALID', describeZodError(parsed.error)) };
}

/** Validates or throws a `CB_EVENT_INVALID` error. */
export function parseEvent(input: unknown): CanonicalEvent {
  const result = validateEvent(input);
  if (!result.ok) throw result.error;
  return result.event;
}
