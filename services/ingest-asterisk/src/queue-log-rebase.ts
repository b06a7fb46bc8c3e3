/** A field that is an epoch in seconds with a fraction: a channel uniqueid (`1772438401.100`). */
const UNIQUEID = /^\d{9,11}\.\d+$/;

/**
 * A queue_log line moved in time by `shiftSec`: its epoch, and every uniqueid in it (the caller's, a
 * bridged channel's), whose integer part is the epoch the channel was made at. A sample replayed
 * twice with two shifts so gets other uniqueids, hence other callIds and eventIds, and is counted
 * again rather than deduplicated. Holdtimes, calltimes and positions stay as they are.
 */
export function rebaseQueueLogLine(raw: string, shiftSec: number): string {
  const fields = raw.split('|');
  return fields
    .map((field, i) => {
      if (i === 0 && /^\d+$/.test(field)) return String(Number(field) + shiftSec);
      if (UNIQUEID.test(field)) {
        const dot = field.indexOf('.');
        return `${Number(field.slice(0, dot)) + shiftSec}${field.slice(dot)}`;
      }
      return field;
    })
    .join('|');
}

/** The epoch of a queue_log line, or undefined for a line that does not start with one. */
export function epochOfLine(raw: string): number | undefined {
  const head = raw.slice(0, raw.indexOf('|'));
  return /^\d+$/.test(head) ? Number(head) : undefined;
}
