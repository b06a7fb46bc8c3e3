import { CallboardError } from '@callboard/errors';

/**
 * One queue_log line as app_queue writes it to the file (logger.conf `queue_log_to_file`, or the default
 * `queue_log` file): `epoch|uniqueid|queue|agent|event|data1|data2|…`. Asterisk 16–22 write 0 to 6 data
 * fields depending on the event (ATTENDEDTRANSFER of the LINK kind has six). A field never holds `|`:
 * app_queue has no escape for it, so a `|` inside a value (a queue's URL argument, a pause reason) splits
 * it and shifts the fields after it; the mapper reads each event's numbers from where they cannot shift
 * (docs/ingest/asterisk.md).
 */
export interface QueueLogLine {
  /** Seconds since the epoch, as written (app_queue writes whole seconds). */
  epochSec: number;
  /** The caller channel's uniqueid, or `NONE` / `MANAGER` / `REALTIME` for member events. */
  uniqueId: string;
  /** The queue name, or `NONE`. */
  queue: string;
  /** The member name or interface (`PJSIP/1001`, `Local/1001@agents/n`, `Alice`), or `NONE`. */
  agent: string;
  /** ENTERQUEUE, CONNECT, … as written. */
  event: string;
  data: string[];
}

export type LineParse = { ok: true; line: QueueLogLine } | { ok: false; error: CallboardError };

/** Longest line accepted; app_queue's lines are far shorter. */
export const MAX_LINE_LENGTH = 8192;
const EVENT_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const EPOCH_PATTERN = /^\d{1,12}(\.\d{1,9})?$/;
// Control characters other than tab: a binary or corrupted line, never app_queue's output.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/;

function invalid(reason: string): LineParse {
  return { ok: false, error: new CallboardError('CB_ASTERISK_LINE_INVALID', `queue_log line ${reason}`) };
}

/**
 * Parses one line (its trailing `\n` or `\r\n` may be present). A line that is not app_queue's is
 * `{ ok: false }` with `CB_ASTERISK_LINE_INVALID`; the message says what is wrong and never repeats the
 * line's data (it may hold a caller's number).
 */
export function parseQueueLogLine(raw: string): LineParse {
  let text = raw;
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.trim().length === 0) return invalid('is empty');
  if (text.length > MAX_LINE_LENGTH) return invalid(`is ${text.length} characters long, more than ${MAX_LINE_LENGTH}`);
  if (CONTROL.test(text)) return invalid('holds control characters or bytes that are not UTF-8 (a binary or corrupted line)');
  const fields = text.split('|');
  if (fields.length < 5) return invalid(`has ${fields.length} fields, fewer than the 5 of epoch|uniqueid|queue|agent|event`);
  const [epoch, uniqueId, queue, agent, event] = fields as [string, string, string, string, string];
  if (!EPOCH_PATTERN.test(epoch)) return invalid('does not start with an epoch in seconds');
  const epochSec = Number(epoch);
  if (epochSec <= 0 || epochSec >= 253402300800) return invalid('has an epoch outside the years 1970 to 9999');
  if (!EVENT_PATTERN.test(event)) return invalid('has no event name in its fifth field (A-Z, 0-9, _)');
  // An empty field is what some realtime exports write where app_queue writes NONE.
  const line = { epochSec, uniqueId: uniqueId || 'NONE', queue: queue || 'NONE', agent: agent || 'NONE', event, data: fields.slice(5) };
  return { ok: true, line };
}
