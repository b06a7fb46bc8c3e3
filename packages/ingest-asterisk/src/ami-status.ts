import { CallboardError } from '@callboard/errors';
import type { CanonicalEventInput } from '@callboard/events';
import type { AgentBook, AgentRecord } from './agents.js';
import { agentIdOf, queueIdOf } from './names.js';
import type { ResolvedOptions } from './options.js';

const CODE = 'CB_ASTERISK_AMI_INVALID';

/** One `QueueMember` line of a status read: the member in one queue. */
interface MemberLine {
  queue: string;
  paused: boolean;
  reason: string;
  status: string;
  inCall: boolean;
  /** Epoch seconds of the end of the member's last call from this queue (0: none). */
  lastCallSec: number;
  /** The member's own wrapuptime in seconds (Asterisk 16+), 0 for the queue's. */
  wrapUpSec: number;
}

function intField(value: string | undefined): number {
  return value !== undefined && /^\d{1,12}$/.test(value.trim()) ? Number(value.trim()) : 0;
}

/** app_queue's member Status (AST_DEVICE_*): 4 INVALID, 5 UNAVAILABLE; 2 INUSE, 3 BUSY, 7 RINGINUSE, 8 ONHOLD. */
export function deviceOf(status: string | undefined, inCall: string | undefined): AgentRecord['device'] {
  if (status === '4' || status === '5') return 'unavailable';
  if (inCall === '1' || status === '2' || status === '3' || status === '7' || status === '8') return 'busy';
  return 'free';
}

/**
 * The answer to one `Action: QueueStatus` (its ActionID), gathered until `QueueStatusComplete`: a `QueueParams`
 * per queue, a `QueueMember` per member and queue, a `QueueEntry` per waiting caller (counted only). app_queue
 * writes the whole list from one handler, so no live event falls between its lines on the same session.
 */
export class QueueStatusRead {
  /** List items seen, to check against the Complete's ListItems. */
  items = 0;
  /** A line that could not be read (no member name): the read cannot tell who is gone, so it is not applied. */
  broken = false;
  private readonly members = new Map<string, MemberLine[]>();
  /** Members a line of this read could not map (a queue name that is no identifier): left as they are. */
  private readonly unreadable = new Set<string>();
  /** Members a live event changed while the read was under way: the live event is newer than the read. */
  private readonly touched = new Set<string>();

  constructor(readonly actionId: string) {}

  /** A live change of this member arrived before the read completed. */
  touch(agentId: string): void {
    this.touched.add(agentId);
  }

  /**
   * Takes one `QueueMember` line. Asterisk 12+ names the member `Name` and its interface `Location` in this event
   * (not `MemberName` / `Interface` as in QueueMemberStatus); both spellings are read.
   *
   * @throws CallboardError `CB_ASTERISK_AMI_INVALID` without a queue or member name (the read is then broken), or
   *   `CB_ASTERISK_NAME_INVALID` for a name that maps to no identifier (that member is then left as it is)
   */
  member(msg: Record<string, string>, opts: ResolvedOptions): void {
    const queue = msg.Queue;
    const name = [msg.Name, msg.MemberName, msg.Location, msg.Interface].find((v) => v !== undefined && v.length > 0);
    if (queue === undefined || queue.length === 0 || name === undefined) {
      this.broken = true;
      throw new CallboardError(CODE, `AMI QueueMember has no ${queue ? 'Name' : 'Queue'}; this status read is not applied`);
    }
    const agentId = agentIdOf(opts.names, name);
    try {
      queueIdOf(opts.names, queue);
    } catch (err) {
      this.unreadable.add(agentId);
      throw err;
    }
    const line: MemberLine = {
      queue,
      paused: msg.Paused === '1',
      reason: msg.PausedReason ?? '',
      status: msg.Status ?? '',
      inCall: msg.InCall === '1',
      lastCallSec: intField(msg.LastCall),
      wrapUpSec: intField(msg.Wrapuptime),
    };
    this.members.set(agentId, [...(this.members.get(agentId) ?? []), line]);
  }

  /**
   * Brings every member the book knows to what the read says, as of `atMs`, and returns the agent events of the
   * members whose state, reason or queue set differ (none when nothing changed). A member of no queue in the read
   * is logged out. Members touched meanwhile, or with an unreadable line, are left alone.
   */
  apply(agents: AgentBook, opts: ResolvedOptions, atMs: number): CanonicalEventInput[] {
    const events: CanonicalEventInput[] = [];
    const skip = (agentId: string) => this.touched.has(agentId) || this.unreadable.has(agentId);
    for (const [agentId, lines] of [...this.members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (skip(agentId)) continue;
      lines.sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
      const detail = lines.map((l) => [l.queue, l.paused ? 1 : 0, l.reason, l.status, l.inCall ? 1 : 0, l.lastCallSec].join('|'));
      events.push(...agents.updateById(agentId, atMs, 'ami-QueueStatus', detail, (rec) => present(rec, lines, opts)));
    }
    for (const agentId of agents.agentIds().sort()) {
      if (this.members.has(agentId) || skip(agentId)) continue;
      events.push(...agents.updateById(agentId, atMs, 'ami-QueueStatus', ['gone'], gone));
    }
    return events;
  }
}

/** The member as the read lists it: exactly these queues and pauses, its device, on a call or not, its wrap-up. */
function present(rec: AgentRecord, lines: readonly MemberLine[], opts: ResolvedOptions): void {
  rec.queues = Object.fromEntries(lines.map((l) => [l.queue, l.paused && l.reason.length > 0 ? { paused: true, reason: l.reason } : { paused: l.paused }]));
  const inCall = lines.some((l) => l.inCall);
  rec.device = deviceOf(lines.find((l) => l.status !== '0' && l.status !== '')?.status ?? lines[0]?.status, inCall ? '1' : '0');
  // A call whose AgentComplete was missed: app_queue says the member is on none.
  if (!inCall) rec.calls = [];
  rec.loggedOut = false;
  for (const l of lines) {
    if (l.lastCallSec === 0) continue;
    const wrapMs = l.wrapUpSec > 0 ? l.wrapUpSec * 1000 : opts.wrapUpMs(l.queue);
    rec.wrapUntilMs = Math.max(rec.wrapUntilMs, l.lastCallSec * 1000 + wrapMs);
  }
}

/** A member no queue lists any more (removed, or a reload dropped it while the adapter was away). */
function gone(rec: AgentRecord): void {
  rec.queues = {};
  rec.calls = [];
  rec.loggedIn = false;
}
