import { readFileSync } from 'node:fs';
import type { CanonicalEvent } from '@callboard/events';
import { createQueueLogMapper, parseQueueLogLine, type AsteriskMapperOptions, type MapOutcome, type QueueLogMapper } from '../src/index.js';

export const OPTS: AsteriskMapperOptions = { tenantId: 'acme', serverId: 'pbx1', callerKeySecret: 'test-hmac-key' };

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** The lines of a queue_log text, without the empty string after the last newline. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export interface Run {
  outcomes: MapOutcome[];
  events: CanonicalEvent[];
  skipped: string[];
  errors: string[];
  mapper: QueueLogMapper;
}

/** Maps every line of a queue_log text with one mapper; a line that does not parse is an error outcome. */
export function runQueueLog(text: string, opts: AsteriskMapperOptions = OPTS, mapper = createQueueLogMapper(opts)): Run {
  const outcomes = linesOf(text).map((raw): MapOutcome => {
    const parsed = parseQueueLogLine(raw);
    return parsed.ok ? mapper.map(parsed.line) : { events: [], error: parsed.error };
  });
  return {
    outcomes,
    events: outcomes.flatMap((o) => o.events),
    skipped: outcomes.flatMap((o) => (o.skipped === undefined ? [] : [o.skipped])),
    errors: outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error.code])),
    mapper,
  };
}
