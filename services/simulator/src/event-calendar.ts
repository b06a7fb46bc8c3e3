import { BinaryHeap } from './binary-heap.js';

interface Entry<T> {
  time: number;
  seq: number;
  payload: T;
}

/**
 * The discrete-event calendar: what happens next, keyed by (time, insertion sequence).
 * Two things due at the same millisecond run in the order they were scheduled, so a seed
 * always replays the same interleaving.
 */
export class EventCalendar<T> {
  private readonly heap = new BinaryHeap<Entry<T>>((a, b) => a.time - b.time || a.seq - b.seq);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  /** Schedules `payload` at `time` (epoch ms). */
  schedule(time: number, payload: T): void {
    this.heap.push({ time, seq: this.seq++, payload });
  }

  /** The time of the next entry, or `undefined` when the calendar is empty. */
  peekTime(): number | undefined {
    return this.heap.peek()?.time;
  }

  /** Removes the next entry. */
  pop(): { time: number; payload: T } | undefined {
    return this.heap.pop();
  }
}
