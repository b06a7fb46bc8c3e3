import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { CanonicalEvent } from '@callboard/events';
import { MAX_ID_LENGTH } from '@callboard/ingest-asterisk';
import { Counter, type Registry } from '@callboard/runtime';
import { FINGERPRINT_BYTES, type FilePosition, fingerprintOf } from './file-position.js';

/**
 * Where the adapter starts on a queue_log it has no saved position for (CB_ASTERISK_START_FROM):
 * the first line, the end of the file as it is at that first start, or `lookbackMs` before it.
 */
export type StartFrom = { kind: 'beginning' } | { kind: 'end' } | { kind: 'lookback'; lookbackMs: number };

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MIN_LOOKBACK_MS = 60_000;
export const MAX_LOOKBACK_MS = 366 * 86_400_000;

/** `beginning`, `end`, or `<n>m|h|d` between 1 minute and 366 days; a message saying what is wrong otherwise. */
export function parseStartFrom(text: string): StartFrom | string {
  const v = text.trim();
  if (v === 'beginning' || v === 'end') return { kind: v };
  const m = /^(\d{1,6})([mhd])$/.exec(v);
  if (!m) return 'must be beginning, end, or a lookback like 90m, 24h, 7d';
  const lookbackMs = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (lookbackMs < MIN_LOOKBACK_MS || lookbackMs > MAX_LOOKBACK_MS) return 'a lookback must be between 1m and 366d (use end for none, beginning for all)';
  return { kind: 'lookback', lookbackMs };
}

/**
 * The start decision as saved with the first committed position (and every one after), so a restart
 * never decides again: with a lookback, `cutoffMs` is fixed at the first start, and while `skipping`,
 * lines before it are mapped but not produced. `pending` holds, per member, the latest agent event of
 * the skipped lines, produced once, dated at the cutoff, when the skip ends.
 */
export interface StartDecision {
  kind: StartFrom['kind'];
  decidedAt: string;
  cutoffMs?: number;
  skipping: boolean;
  pending?: Record<string, CanonicalEvent>;
}

export function decide(from: StartFrom, nowMs: number): StartDecision {
  const decidedAt = new Date(nowMs).toISOString();
  if (from.kind !== 'lookback') return { kind: from.kind, decidedAt, skipping: false };
  return { kind: 'lookback', decidedAt, cutoffMs: nowMs - from.lookbackMs, skipping: true, pending: {} };
}

export function isStartDecision(value: unknown): value is StartDecision {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Partial<StartDecision>;
  return ['beginning', 'end', 'lookback'].includes(d.kind as string) && typeof d.skipping === 'boolean' && (!d.skipping || typeof d.cutoffMs === 'number');
}

/**
 * During the skip: keeps the latest agent state of each member from a skipped line's events and
 * returns the events dated at or after the cutoff (a wrap-up that ends after it), which are produced.
 */
export function holdBack(decision: StartDecision, events: readonly CanonicalEvent[]): CanonicalEvent[] {
  const pending = (decision.pending ??= {});
  const kept: CanonicalEvent[] = [];
  for (const event of events) {
    const at = Date.parse(event.occurredAt);
    if (at >= decision.cutoffMs!) kept.push(event);
    else if (event.type === 'agent.state_changed') {
      const before = pending[event.agentId];
      if (!before || Date.parse(before.occurredAt) <= at) pending[event.agentId] = event;
    }
  }
  return kept;
}

/**
 * Ends the skip: each member's state at the cutoff, once, dated at the cutoff (every held event is
 * older), with an eventId of the server, cutoff and member, so a chunk read again gives the same ids.
 */
export function endSkip(decision: StartDecision, serverId: string): CanonicalEvent[] {
  const cutoff = decision.cutoffMs!;
  const out = Object.keys(decision.pending ?? {})
    .sort()
    .map((agentId) => {
      const event = decision.pending![agentId]!;
      const hash = createHash('sha256').update(agentId, 'utf8').digest('hex').slice(0, 16);
      const eventId = `${serverId}:start@${cutoff}:${hash}`.slice(0, MAX_ID_LENGTH);
      return { ...event, eventId, occurredAt: new Date(Math.max(cutoff, Date.parse(event.occurredAt))).toISOString() };
    });
  decision.skipping = false;
  delete decision.pending;
  return out;
}

/**
 * The position after the last whole line of the file at `path` as it is now (`end`): its line count
 * and fingerprint as the tailer keeps them. Undefined when there is no file yet (it is then read from
 * its start when it appears: all of it is written after this start).
 */
export async function endPositionOf(path: string): Promise<FilePosition | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const handle = await open(path, 'r');
  try {
    const s = await handle.stat();
    const buffer = Buffer.alloc(1 << 20);
    let lineNo = 0;
    let offset = 0;
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
      if (bytesRead === 0) break;
      for (let nl = buffer.indexOf(10, 0); nl !== -1 && nl < bytesRead; nl = buffer.indexOf(10, nl + 1)) {
        lineNo += 1;
        offset = at + nl + 1;
      }
      at += bytesRead;
    }
    const fpLen = Math.min(FINGERPRINT_BYTES, offset);
    const head = Buffer.alloc(fpLen);
    await handle.read(head, 0, fpLen, 0);
    return { name: path, dev: s.dev, ino: s.ino, offset, lineNo, fpLen, fpHash: fingerprintOf(head) };
  } finally {
    await handle.close();
  }
}

export function createStartSkippedCounter(registry: Registry): Counter<'kind'> {
  return new Counter({
    name: 'callboard_asterisk_start_skipped_lines_total',
    help: 'queue_log lines not produced at the first start (CB_ASTERISK_START_FROM): lookback (older than the cutoff: mapped for the state only), end (before the end of the file at that start: not read).',
    labelNames: ['kind'],
    registers: [registry],
  });
}
