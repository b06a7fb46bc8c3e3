import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { occurredAtMs, type CanonicalEvent } from '@callboard/events';
import { BinaryHeap } from './binary-heap.js';
import { Random } from './random.js';
import { CORRUPTION_MODES, type StreamItem } from './stream-item.js';

const fraction = z.number().min(0, 'must be a fraction in [0, 1]').max(1, 'must be a fraction in [0, 1]');

/** What can go wrong between a PBX and Kafka, and how often. */
export const faultOptionsSchema = z
  .object({
    /** Seeds the fault decisions; independent of the traffic seed. */
    seed: z.number().int().nonnegative(),
    /** Fraction of events delivered a second time (same `eventId`), shortly after the first. */
    duplicates: fraction.default(0),
    /** A duplicate follows its original by up to this much emission time. */
    duplicateDelayMs: z.number().int().nonnegative().max(86_400_000).default(5_000),
    /** Fraction of events emitted late, i.e. out of order. */
    reorder: fraction.default(0),
    /** A late event is emitted up to this long after its `occurredAt` (which stays unchanged). */
    reorderWindowMs: z.number().int().nonnegative().max(86_400_000).default(600_000),
    /** Fraction of events followed by a corrupt copy that no consumer can accept. */
    corrupt: fraction.default(0),
  })
  .strict();

export type FaultOptions = z.input<typeof faultOptionsSchema>;

interface Pending {
  emitAt: number;
  seq: number;
  item: StreamItem;
}

/**
 * Turns a clean event stream into the stream a faulty transport delivers: duplicates, late
 * (reordered) events and corrupt records. The output is ordered by `emitAt`, the simulated instant
 * each record is handed on.
 *
 * Corrupt records are EXTRA records: the intact event is still delivered (possibly late or twice),
 * and the corrupt copy comes beside it. The clean stream therefore stays the ground truth of what
 * the live pipeline must count. A corrupt record can never reach the counters (it goes to the DLQ,
 * DESIGN §2), so if it replaced its original, the live counts would be short of the oracle by
 * exactly the corrupted events and nothing could be asserted exactly.
 *
 * Every event consumes the same six random draws whatever the fractions are, so raising one
 * fraction never changes which events another fault hits.
 *
 * @throws CallboardError `CB_CONFIG_INVALID` for fractions outside [0, 1] or negative windows.
 */
export function injectFaults(events: Iterable<CanonicalEvent>, options: FaultOptions): Generator<StreamItem, void, undefined> {
  const parsed = faultOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new CallboardError('CB_CONFIG_INVALID', `invalid fault options: ${detail}`);
  }
  return run(events, parsed.data);
}

function* run(events: Iterable<CanonicalEvent>, o: z.output<typeof faultOptionsSchema>): Generator<StreamItem, void, undefined> {
  const rng = Random.fromSeed(o.seed, 'faults');
  const heap = new BinaryHeap<Pending>((a, b) => a.emitAt - b.emitAt || a.seq - b.seq);
  let seq = 0;
  const push = (item: StreamItem): void => heap.push({ emitAt: item.emitAt, seq: seq++, item });

  for (const event of events) {
    const t = occurredAtMs(event);
    const dupU = rng.next();
    const dupDelayU = rng.next();
    const lateU = rng.next();
    const lateDelayU = rng.next();
    const corruptU = rng.next();
    const modeU = rng.next();

    // Delays are at least 1 ms, so a late event is really emitted after its neighbours.
    const delayedMs = lateU < o.reorder && o.reorderWindowMs > 0 ? Math.max(1, Math.ceil(lateDelayU * o.reorderWindowMs)) : 0;
    push({ kind: 'event', event, emitAt: t + delayedMs, duplicate: false, delayedMs });
    if (corruptU < o.corrupt) {
      const mode = CORRUPTION_MODES[Math.min(CORRUPTION_MODES.length - 1, Math.floor(modeU * CORRUPTION_MODES.length))] ?? 'garbage-bytes';
      push({ kind: 'corrupt', event, mode, emitAt: t });
    }
    if (dupU < o.duplicates) {
      const emitAt = t + delayedMs + Math.ceil(dupDelayU * o.duplicateDelayMs);
      push({ kind: 'event', event, emitAt, duplicate: true, delayedMs: emitAt - t });
    }
    // Input arrives in occurredAt order, so nothing still to come can be emitted before t.
    while ((heap.peek()?.emitAt ?? Infinity) <= t) yield (heap.pop() as Pending).item;
  }
  while (heap.size > 0) yield (heap.pop() as Pending).item;
}
