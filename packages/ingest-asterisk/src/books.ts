import { CallboardError } from '@callboard/errors';
import { AgentBook } from './agents.js';
import { CallFacts } from './calls.js';
import type { ResolvedOptions } from './options.js';

const SNAPSHOT_VERSION = 1;

/** A mapper's state: its visits and its members, and their JSON form for a durable restart. */
export interface Books {
  calls: CallFacts;
  agents: AgentBook;
  snapshot(): unknown;
}

/**
 * Opens a mapper's books, empty or from a snapshot of the same kind of mapper.
 *
 * @throws CallboardError `CB_CONFIG_INVALID` for a snapshot of another kind or version (a queue_log mapper's state
 *   handed to an AMI mapper): starting from nothing instead would quietly forget open visits and members
 */
export function openBooks(o: ResolvedOptions, kind: 'queue_log' | 'ami', restored: unknown): Books {
  let saved: { visits?: unknown; agents?: unknown } = {};
  if (restored !== undefined && restored !== null) {
    const s = restored as { v?: unknown; kind?: unknown; visits?: unknown; agents?: unknown };
    if (typeof restored !== 'object' || s.v !== SNAPSHOT_VERSION || s.kind !== kind) {
      throw new CallboardError('CB_CONFIG_INVALID', `the saved state is not a version ${SNAPSHOT_VERSION} snapshot of an Asterisk ${kind} mapper`);
    }
    saved = s;
  }
  const calls = new CallFacts(o, saved.visits);
  const agents = new AgentBook(o, saved.agents);
  return { calls, agents, snapshot: () => ({ v: SNAPSHOT_VERSION, kind, visits: calls.visits.snapshot(), agents: agents.snapshot() }) };
}
