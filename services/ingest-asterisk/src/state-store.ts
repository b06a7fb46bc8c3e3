import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CallboardError } from '@callboard/errors';
import { type FilePosition, isFilePosition } from './file-position.js';

/** What the adapter keeps across restarts: where the tail stands and the mappers' state at that point. */
export interface IngestState {
  version: 1;
  /** The queue_log this state belongs to; a state of another file is refused. */
  queueLog: string;
  position?: FilePosition;
  queueLogMapper?: unknown;
  amiMapper?: unknown;
  /** Where the first start began (CB_ASTERISK_START_FROM) and, with a lookback, the skip's progress: never decided again. */
  startFrom?: unknown;
  savedAt: string;
}

const STATE_FILE = 'state.json';

/**
 * The adapter's state file in its state directory, written atomically (temp file, fsync, rename,
 * fsync of the folder), so a `kill -9` at any point leaves either the previous state or the new
 * one, never half of one.
 */
export class StateStore {
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, STATE_FILE);
  }

  /** The saved state; undefined when there is none yet. A state that does not parse, or is another file's, refuses to start. */
  async load(queueLog: string): Promise<IngestState | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CallboardError('CB_ASTERISK_STATE_INVALID', `${this.file}: cannot read (${(err as Error).message})`, { cause: err });
    }
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (err) {
      throw new CallboardError('CB_ASTERISK_STATE_INVALID', `${this.file}: not JSON (${(err as Error).message}); move it away to start the file over`, { cause: err });
    }
    const s = state as Partial<IngestState> | null;
    if (typeof s !== 'object' || s === null || s.version !== 1 || typeof s.queueLog !== 'string' || (s.position !== undefined && !isFilePosition(s.position))) {
      throw new CallboardError('CB_ASTERISK_STATE_INVALID', `${this.file}: not a state of this adapter (version 1); move it away to start the file over`);
    }
    if (s.queueLog !== queueLog) {
      throw new CallboardError('CB_ASTERISK_STATE_INVALID', `${this.file} belongs to ${s.queueLog}, not ${queueLog}: give each queue_log its own CB_ASTERISK_STATE_DIR`);
    }
    return s as IngestState;
  }

  async save(state: Omit<IngestState, 'version' | 'savedAt'>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${this.file}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ version: 1, ...state, savedAt: new Date().toISOString() }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.file);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
