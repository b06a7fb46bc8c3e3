import type { ZodError } from 'zod';
import { CallboardError } from '@callboard/errors';
import { canonicalEventSchema, type CanonicalEvent } from './contract.js';

/** A readable one-line summary of a zod error: `waitMs: Number must be >= 0; type: ...`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export type ValidationResult = { ok: true; event: CanonicalEvent } | { ok: false; error: CallboardError };

/** Validates and normalises one event against contract v1. Never throws. */
export function validateEvent(input: unknown): ValidationResult {
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
