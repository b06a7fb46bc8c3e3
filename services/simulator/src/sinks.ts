import { createJsonLinesWriter } from '@callboard/events';
import { corruptJsonLine } from './corrupt.js';
import type { StreamItem } from './stream-item.js';

/**
 * Where simulated records go: a file here, a Kafka topic in the service. A sink decides what bytes
 * a corrupt item becomes (see `corrupt.ts` for helpers); it is written with backpressure, one
 * record at a time, in emission order.
 */
export interface EventSink {
  write(item: StreamItem): Promise<void>;
  /** Flushes and releases the sink. `runSimulation` calls it once, when the run ends. */
  close(): Promise<void>;
}

/**
 * A JSON-lines file sink. Events are written with `formatJsonLine`; a corrupt item becomes a broken
 * line (noise, half a JSON object, or an event that fails validation), exactly what
 * `readJsonLines` reports as a bad line.
 */
export function createJsonLinesSink(path: string): EventSink {
  const writer = createJsonLinesWriter(path);
  return {
    write: (item) => (item.kind === 'event' ? writer.write(item.event) : writer.writeRaw(corruptJsonLine(item.event, item.mode))),
    close: () => writer.close(),
  };
}

/** A sink that keeps every item in memory, for tests and for small runs inspected in-process. */
export interface MemorySink extends EventSink {
  readonly items: StreamItem[];
  readonly closed: boolean;
}

/** Collects items in `items`; `close` only marks it closed. */
export function createMemorySink(): MemorySink {
  const items: StreamItem[] = [];
  let closed = false;
  return {
    items,
    get closed() {
      return closed;
    },
    write: async (item) => {
      items.push(item);
    },
    close: async () => {
      closed = true;
    },
  };
}
