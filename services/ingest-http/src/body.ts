import { CallboardError } from '@callboard/errors';
import { validateEvent, type CanonicalEvent } from '@callboard/events';

/** One item of a request body: its 1-based line (JSON lines) or position (JSON array), and its text. */
export interface BodyItem {
  line: number;
  /** The parsed value, or the parse error of a JSON line. */
  value?: unknown;
  error?: CallboardError;
  /** The item as it came, for the DLQ. */
  raw: string;
}

/** A line the HTTP ingest refused, as the 202 reports it. */
export interface RejectedLine {
  line: number;
  code: string;
  message: string;
  raw: string;
}

/**
 * The items of an `application/x-ndjson` body: one JSON value per line, blank lines skipped but
 * counted, so a line number is the line a client's editor shows.
 * @throws CallboardError `CB_TOO_MANY_EVENTS` past `maxEvents` non-blank lines
 */
export function jsonLinesItems(text: string, maxEvents: number): BodyItem[] {
  const items: BodyItem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '') continue;
    if (items.length === maxEvents) throw tooMany(maxEvents);
    try {
      items.push({ line: i + 1, value: JSON.parse(raw), raw });
    } catch (err) {
      items.push({ line: i + 1, raw, error: new CallboardError('CB_EVENT_JSON_PARSE', `not JSON: ${(err as Error).message}`) });
    }
  }
  return items;
}

/**
 * The items of an `application/json` body, already parsed to an array: line N is element N (1-based).
 * @throws CallboardError `CB_TOO_MANY_EVENTS` past `maxEvents` elements
 */
export function jsonArrayItems(values: readonly unknown[], maxEvents: number): BodyItem[] {
  if (values.length > maxEvents) throw tooMany(maxEvents);
  return values.map((value, i) => ({ line: i + 1, value, raw: JSON.stringify(value) ?? 'undefined' }));
}

function tooMany(maxEvents: number): CallboardError {
  return new CallboardError('CB_TOO_MANY_EVENTS', `more than ${maxEvents} events in one request; split it`);
}

/**
 * Validates each item against contract v1 and the token's tenant: the tenant comes from the token
 * only, so an event naming another tenant is refused (`CB_TENANT_MISMATCH`), never re-labelled.
 */
export function checkItems(items: readonly BodyItem[], tenantId: string): { accepted: CanonicalEvent[]; rejected: RejectedLine[] } {
  const accepted: CanonicalEvent[] = [];
  const rejected: RejectedLine[] = [];
  for (const item of items) {
    if (item.error) {
      rejected.push({ line: item.line, code: item.error.code, message: item.error.message, raw: item.raw });
      continue;
    }
    const result = validateEvent(item.value);
    if (!result.ok) rejected.push({ line: item.line, code: result.error.code, message: result.error.message, raw: item.raw });
    else if (result.event.tenantId !== tenantId) rejected.push({ line: item.line, code: 'CB_TENANT_MISMATCH', message: `tenantId ${result.event.tenantId} is not the token's tenant`, raw: item.raw });
    else accepted.push(result.event);
  }
  return { accepted, rejected };
}
