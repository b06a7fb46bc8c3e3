import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';

/**
 * How Asterisk's queue names and member names become callboard identifiers (`[A-Za-z0-9_.-]{1,64}`,
 * DESIGN §2). `queues` and `agents` map a name exactly as queue_log or AMI writes it to an identifier;
 * a name not in the map is encoded by {@link encodeName}. Several names may map to one agent (a member's
 * interface `PJSIP/1001` and its member name `Alice`, which app_queue writes in different lines unless
 * `log_membername_as_agent = yes`; docs/ingest/asterisk.md).
 */
export interface NameMap {
  queues: Readonly<Record<string, string>>;
  agents: Readonly<Record<string, string>>;
}

/** No mapping file: every name goes through {@link encodeName}. */
export const EMPTY_NAME_MAP: NameMap = Object.freeze({ queues: Object.freeze({}), agents: Object.freeze({}) });

/** Characters kept as they are; every other byte of the name's UTF-8 form is written `_xx`. */
const KEPT = /[A-Za-z0-9.-]/;
const LOWER_HEX = /^[0-9a-f]{2}$/;
const MAX_IDENTIFIER = 64;

/**
 * The reversible rule for a name that is not a valid identifier, or one that is (docs/ingest/asterisk.md):
 * - `A-Z a-z 0-9 . -` stay as they are;
 * - `_` stays, unless the two characters after it are lowercase hex digits (then it would read as an escape): `_5f`;
 * - every other character is written as `_xx` per byte of its UTF-8 form, lowercase hex
 *   (`SIP/1001` → `SIP_2f1001`, `Local/1001@agents/n` → `Local_2f1001_40agents_2fn`, a space → `_20`).
 * So a name that is already a valid identifier and has no `_` before two lowercase hex digits comes out unchanged
 * (`support`, `sales_en`, `agent-7`), and {@link decodeName} gives back the exact name.
 *
 * @throws CallboardError `CB_ASTERISK_NAME_INVALID` when the name is empty or its encoding is longer than 64
 *   characters: such a name needs a mapping file (`--queues-map`); it is never truncated.
 */
export function encodeName(name: string): string {
  if (name.length === 0) throw new CallboardError('CB_ASTERISK_NAME_INVALID', 'an empty queue or member name cannot be an identifier');
  let out = '';
  const bytes = Buffer.from(name, 'utf8');
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i] as number;
    const ch = String.fromCharCode(b);
    if (b < 0x80 && KEPT.test(ch)) out += ch;
    else if (ch === '_' && !LOWER_HEX.test(String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0))) out += '_';
    else out += `_${b.toString(16).padStart(2, '0')}`;
  }
  if (out.length > MAX_IDENTIFIER) {
    throw new CallboardError(
      'CB_ASTERISK_NAME_INVALID',
      `the name ${JSON.stringify(name.slice(0, 80))} encodes to ${out.length} characters, more than ${MAX_IDENTIFIER}; map it to an identifier in a mapping file (--queues-map)`,
    );
  }
  return out;
}

/** The inverse of {@link encodeName}: `_xx` (lowercase hex) is one byte, any other `_` is itself. */
export function decodeName(id: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < id.length; i += 1) {
    const hex = id.slice(i + 1, i + 3);
    if (id[i] === '_' && LOWER_HEX.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(id.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const mapSchema = z
  .object({
    queues: z.record(z.string().min(1), z.string().regex(IDENTIFIER_PATTERN, 'must match [A-Za-z0-9_.-]{1,64}')).default({}),
    agents: z.record(z.string().min(1), z.string().regex(IDENTIFIER_PATTERN, 'must match [A-Za-z0-9_.-]{1,64}')).default({}),
  })
  .strict();

/**
 * Reads a mapping file's JSON, `{ "queues": { "<queue name>": "<queueId>" }, "agents": { "<member name>": "<agentId>" } }`.
 * Two queue names may not share a queueId (their calls would mix); several member names may share an agentId.
 *
 * @throws CallboardError `CB_CONFIG_INVALID` naming the field and the rule broken
 */
export function loadNameMap(json: unknown): NameMap {
  const parsed = mapSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CallboardError('CB_CONFIG_INVALID', `queues map: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  const seen = new Map<string, string>();
  for (const [name, id] of Object.entries(parsed.data.queues)) {
    const other = seen.get(id);
    if (other !== undefined) throw new CallboardError('CB_CONFIG_INVALID', `queues map: queues ${JSON.stringify(other)} and ${JSON.stringify(name)} both map to ${id}`);
    seen.set(id, name);
  }
  return Object.freeze({ queues: Object.freeze({ ...parsed.data.queues }), agents: Object.freeze({ ...parsed.data.agents }) });
}

/** A queue name's identifier: the mapping file's, else {@link encodeName}'s. */
export function queueIdOf(names: NameMap, queue: string): string {
  return Object.hasOwn(names.queues, queue) ? (names.queues[queue] as string) : encodeName(queue);
}

/** A member name's identifier: the mapping file's, else {@link encodeName}'s. */
export function agentIdOf(names: NameMap, agent: string): string {
  return Object.hasOwn(names.agents, agent) ? (names.agents[agent] as string) : encodeName(agent);
}
