import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { CallboardError } from '@callboard/errors';
import type { CanonicalEvent, CanonicalEventInput } from './contract.js';
import { validateEvent } from './validate.js';

export type JsonLine =
  | { lineNo: number; ok: true; event: CanonicalEvent }
  | { lineNo: number; ok: false; error: CallboardError; raw: string };

/** Parses one line of a JSON-lines file; blank lines give `undefined`. */
export function parseJsonLine(raw: string, lineNo: number): JsonLine | undefined {
  if (raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { lineNo, ok: false, raw, error: new CallboardError('CB_EVENT_JSON_PARSE', `not JSON: ${(err as Error).message}`) };
  }
  const result = validateEvent(value);
  return result.ok ? { lineNo, ok: true, event: result.event } : { lineNo, ok: false, raw, error: result.error };
}

/** Reads a JSON-lines file of canonical events, validating each line; bad lines are yielded, not thrown. */
export async function* readJsonLines(path: string): AsyncGenerator<JsonLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo += 1;
    const line = parseJsonLine(raw, lineNo);
    if (line) yield line;
  }
}

/** One event as one line. Key order is the order the object was built in, so equal input gives equal bytes. */
export function formatJsonLine(event: CanonicalEvent | CanonicalEventInput): string {
  return `${JSON.stringify(event)}\n`;
}

/** A JSON-lines writer that respects backpressure. */
export interface JsonLinesWriter {
  write(event: CanonicalEvent | CanonicalEventInput): Promise<void>;
  writeRaw(line: string): Promise<void>;
  close(): Promise<void>;
}

export function createJsonLinesWriter(path: string): JsonLinesWriter {
  const stream: WriteStream = createWriteStream(path, { encoding: 'utf8' });
  async function writeRaw(line: string): Promise<void> {
    if (!stream.write(line.endsWith('\n') ? line : `${line}\n`)) await once(stream, 'drain');
  }
  return {
    write: (event) => writeRaw(formatJsonLine(event)),
    writeRaw,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}
