/**
 * Which stay of a channel in a queue a line belongs to (docs/ingest/asterisk.md, "Ids"). A channel that enters the
 * same queue again (a dialplan that loops back to Queue() after a timeout) starts a new visit; each entry is
 * remembered by its time, so an entry line read again finds its own visit instead of starting another.
 * Entries are forgotten 6 h after a channel's last line in that queue, longer than the aggregator keeps a visit
 * (2 × grace + 1 h), so a forgotten visit can no longer collide with one the aggregator remembers.
 */
export const VISIT_RETENTION_SEC = 6 * 3600;
const PRUNE_EVERY_SEC = 600;

/** Serialised form: `[uniqueid, queue, last seen epoch s, entry epochs…]`. */
type VisitRow = [string, string, number, ...number[]];

interface VisitEntry {
  seenSec: number;
  entries: number[];
}

export class VisitBook {
  private readonly visits = new Map<string, VisitEntry>();
  private prunedAtSec = 0;

  /** @param restored - a {@link VisitBook.snapshot} */
  constructor(restored?: unknown) {
    const { prunedAtSec, rows } = (restored ?? {}) as { prunedAtSec?: unknown; rows?: unknown };
    if (typeof prunedAtSec === 'number') this.prunedAtSec = prunedAtSec;
    if (!Array.isArray(rows)) return;
    for (const row of rows as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || typeof row[1] !== 'string' || typeof row[2] !== 'number') continue;
      const entries = row.slice(3).filter((e): e is number => typeof e === 'number');
      this.visits.set(VisitBook.key(row[0], row[1]), { seenSec: row[2], entries });
    }
  }

  private static key(uniqueId: string, queue: string): string {
    return JSON.stringify([uniqueId, queue]);
  }

  /** The visit number (1, 2, …) an entry at `epochSec` starts, or the one it already started. */
  enter(uniqueId: string, queue: string, epochSec: number): number {
    this.prune(epochSec);
    const key = VisitBook.key(uniqueId, queue);
    const visit = this.visits.get(key) ?? { seenSec: epochSec, entries: [] };
    visit.seenSec = Math.max(visit.seenSec, epochSec);
    this.visits.set(key, visit);
    const known = visit.entries.indexOf(epochSec);
    if (known >= 0) return known + 1;
    visit.entries.push(epochSec);
    return visit.entries.length;
  }

  /** The visit a later line of the channel in this queue belongs to: the latest entry, 1 when none is known. */
  current(uniqueId: string, queue: string, epochSec: number): { visit: number; enteredSec: number | undefined } {
    this.prune(epochSec);
    const visit = this.visits.get(VisitBook.key(uniqueId, queue));
    if (visit === undefined) return { visit: 1, enteredSec: undefined };
    visit.seenSec = Math.max(visit.seenSec, epochSec);
    return { visit: Math.max(1, visit.entries.length), enteredSec: visit.entries.at(-1) };
  }

  private prune(nowSec: number): void {
    if (nowSec - this.prunedAtSec < PRUNE_EVERY_SEC) return;
    this.prunedAtSec = nowSec;
    for (const [key, visit] of this.visits) if (visit.seenSec < nowSec - VISIT_RETENTION_SEC) this.visits.delete(key);
  }

  /** JSON: the visits and when they were last pruned, so a restored book prunes at the same lines as one that ran on. */
  snapshot(): { prunedAtSec: number; rows: VisitRow[] } {
    const rows = [...this.visits].map(([key, v]): VisitRow => {
      const [uniqueId, queue] = JSON.parse(key) as [string, string];
      return [uniqueId, queue, v.seenSec, ...v.entries];
    });
    return { prunedAtSec: this.prunedAtSec, rows };
  }
}
