import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FINGERPRINT_BYTES, type FilePosition, fingerprintOf, startOf } from './file-position.js';

/** One whole line of the file, without its line break, and its 1-based number in that file. */
export interface TailLine {
  raw: string;
  lineNo: number;
}

/**
 * What one look at the file found:
 * - `lines`: whole lines after `from`, and the position after them;
 * - `switched`: the file read so far is finished (rotated away and read to its end) or gone; go on
 *   at `to`, the start of the file now at the path. `lost` says lines may have been lost on the way
 *   (the old file could not be found again);
 * - `truncated`: the file was truncated in place (copytruncate) and no copy of it was found; go on
 *   at `to`, its start again;
 * - `idle`: nothing new; `lagBytes` are written but not yet a whole line, or not read yet.
 */
export type TailStep =
  | { kind: 'lines'; file: string; lines: TailLine[]; to: FilePosition }
  | { kind: 'switched'; to: FilePosition; lost: boolean }
  | { kind: 'truncated'; to: FilePosition }
  | { kind: 'idle'; lagBytes: number; waitingForFile: boolean };

export interface TailerOptions {
  /** The queue_log path the PBX writes to. */
  path: string;
  /** Bytes read per look; a line longer than this is taken as it is (and will not parse). */
  maxChunkBytes?: number;
  /** Lines per look at most. */
  maxLines?: number;
}

interface OpenFile {
  handle: FileHandle;
  name: string;
  dev: number;
  ino: number;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function statOrUndefined(path: string): Promise<{ dev: number; ino: number; size: number } | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * Reads a queue_log as it grows, whole lines only, from a {@link FilePosition} the caller keeps
 * (the tailer holds no position of its own, so the caller can go back to the last one it saved).
 *
 * logrotate (issue 10 item 2):
 * - rename (`create`, or Asterisk's own rotation): the renamed file keeps its inode. It is read to
 *   its end first; the tail moves to the new file at the path only once that file has data, so the
 *   lines the PBX writes to the old file until it reopens its log are read too.
 * - copytruncate: the file keeps its inode and shrinks. Seen as a size below the offset or first
 *   bytes that differ from the fingerprint. The copy (`queue_log.1`, same first bytes) is read from
 *   the offset to its end first, then the truncated file from 0. What the PBX wrote between the
 *   copy and the truncation is in neither file: copytruncate itself loses it (docs/ingest/asterisk.md).
 * A file renamed while the adapter was down is found again in the same folder by its inode, or by
 * its fingerprint when it was copied.
 */
export class QueueLogTailer {
  private readonly path: string;
  private readonly maxChunkBytes: number;
  private readonly maxLines: number;
  private current: OpenFile | undefined;

  constructor(options: TailerOptions) {
    this.path = options.path;
    this.maxChunkBytes = options.maxChunkBytes ?? 256 * 1024;
    this.maxLines = options.maxLines ?? 500;
  }

  /** The folder to watch for changes (the file itself is replaced on rotation). */
  get directory(): string {
    return dirname(this.path);
  }

  async close(): Promise<void> {
    await this.current?.handle.close().catch(() => undefined);
    this.current = undefined;
  }

  /** One look at the file from `from` (undefined: nothing read yet, start at the beginning of the file at the path). */
  async next(from: FilePosition | undefined): Promise<TailStep> {
    if (from === undefined) {
      const at = await statOrUndefined(this.path);
      if (!at) return { kind: 'idle', lagBytes: 0, waitingForFile: true };
      return { kind: 'switched', to: startOf(this.path, at.dev, at.ino), lost: false };
    }
    const file = await this.fileOf(from);
    if (!file) {
      // The file read before is gone and no copy of it is left: go on with the file at the path.
      const at = await statOrUndefined(this.path);
      if (!at) return { kind: 'idle', lagBytes: 0, waitingForFile: true };
      return { kind: 'switched', to: startOf(this.path, at.dev, at.ino), lost: true };
    }
    if (file.ino !== from.ino || file.dev !== from.dev || file.name !== from.name) {
      // Found again under another name or as a copy: the same position in it.
      return { kind: 'lines', file: file.name, lines: [], to: { ...from, name: file.name, dev: file.dev, ino: file.ino } };
    }
    if (!(await this.holds(file, from))) {
      const copy = await this.findCopy(from, file);
      if (copy) return { kind: 'lines', file: copy.name, lines: [], to: { ...from, name: copy.name, dev: copy.dev, ino: copy.ino } };
      return { kind: 'truncated', to: startOf(file.name, file.dev, file.ino) };
    }
    const read = await this.readLines(file, from, false);
    if (read.lines.length > 0) return { kind: 'lines', file: file.name, lines: read.lines, to: read.to };
    const atPath = await statOrUndefined(this.path);
    if (atPath && (atPath.ino !== file.ino || atPath.dev !== file.dev) && atPath.size > 0) {
      // Rotated away, and the PBX writes to the new file: whatever the old one holds now is all it
      // will ever hold, a last line without its line break included.
      const rest = await this.readLines(file, from, true);
      if (rest.lines.length > 0) return { kind: 'lines', file: file.name, lines: rest.lines, to: rest.to };
      await this.close();
      return { kind: 'switched', to: startOf(this.path, atPath.dev, atPath.ino), lost: false };
    }
    const size = (await file.handle.stat()).size;
    return { kind: 'idle', lagBytes: Math.max(0, size - from.offset), waitingForFile: false };
  }

  /** Bytes written to the file of `at` that lie beyond it. */
  async lagBytes(at: FilePosition | undefined): Promise<number> {
    if (!at || !this.current || this.current.ino !== at.ino) return 0;
    return Math.max(0, (await this.current.handle.stat()).size - at.offset);
  }

  /** The open file of `at`: the one open already, the file at the path, or a file of the folder with its inode or, failing that, its first bytes. */
  private async fileOf(at: FilePosition): Promise<OpenFile | undefined> {
    if (this.current && this.current.ino === at.ino && this.current.dev === at.dev) return this.current;
    await this.close();
    for (const name of await this.candidates()) {
      const s = await statOrUndefined(name);
      if (s && s.ino === at.ino && s.dev === at.dev) return this.openFile(name);
    }
    return this.findCopy(at, undefined);
  }

  /** The path first, then the files of its folder whose names start with its name (queue_log.1, queue_log-20261201, …). */
  private async candidates(): Promise<string[]> {
    const base = basename(this.path);
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const rotated = names.filter((n) => n !== base && n.startsWith(base) && !n.endsWith('.gz') && !n.endsWith('.tmp')).sort();
    return [this.path, ...rotated.map((n) => join(this.directory, n))];
  }

  /** A file other than `except` whose first bytes are those of `at` and that reaches at least its offset: a copy made by copytruncate. */
  private async findCopy(at: FilePosition, except: OpenFile | undefined): Promise<OpenFile | undefined> {
    if (at.fpLen === 0) return undefined;
    for (const name of await this.candidates()) {
      const s = await statOrUndefined(name);
      if (!s || (except && s.ino === except.ino && s.dev === except.dev) || s.size < at.offset) continue;
      const candidate = await this.openFile(name);
      if (await this.holds(candidate, at)) return candidate;
      await this.close();
    }
    return undefined;
  }

  private async openFile(name: string): Promise<OpenFile> {
    await this.close();
    const handle = await open(name, 'r');
    const s = await handle.stat();
    this.current = { handle, name, dev: s.dev, ino: s.ino };
    return this.current;
  }

  /** Whether `file` still holds what was read up to `at`: at least its offset, and the same first bytes. */
  private async holds(file: OpenFile, at: FilePosition): Promise<boolean> {
    const size = (await file.handle.stat()).size;
    if (size < at.offset) return false;
    if (at.fpLen === 0) return true;
    const head = Buffer.alloc(at.fpLen);
    const { bytesRead } = await file.handle.read(head, 0, at.fpLen, 0);
    return bytesRead === at.fpLen && fingerprintOf(head) === at.fpHash;
  }

  /** The whole lines after `from`; with `final`, a last line without its line break too. */
  private async readLines(file: OpenFile, from: FilePosition, final: boolean): Promise<{ lines: TailLine[]; to: FilePosition }> {
    const buffer = Buffer.alloc(this.maxChunkBytes);
    const { bytesRead } = await file.handle.read(buffer, 0, this.maxChunkBytes, from.offset);
    const lines: TailLine[] = [];
    let start = 0;
    let lineNo = from.lineNo;
    for (let nl = buffer.indexOf(10, 0); nl !== -1 && nl < bytesRead && lines.length < this.maxLines; nl = buffer.indexOf(10, start)) {
      lineNo += 1;
      lines.push({ raw: buffer.toString('utf8', start, nl > start && buffer[nl - 1] === 13 ? nl - 1 : nl), lineNo });
      start = nl + 1;
    }
    // A full chunk without a line break is taken as one line, or the tail would stall on it; so is
    // the last line of a file that will not grow any more.
    if ((start === 0 && bytesRead === this.maxChunkBytes) || (final && start < bytesRead && lines.length < this.maxLines && buffer.indexOf(10, start) === -1)) {
      lineNo += 1;
      lines.push({ raw: buffer.toString('utf8', start, bytesRead), lineNo });
      start = bytesRead;
    }
    const offset = from.offset + start;
    const to: FilePosition = { ...from, offset, lineNo };
    if (from.fpLen < FINGERPRINT_BYTES && offset > from.fpLen) {
      const fpLen = Math.min(FINGERPRINT_BYTES, offset);
      const head = Buffer.alloc(fpLen);
      await file.handle.read(head, 0, fpLen, 0);
      to.fpLen = fpLen;
      to.fpHash = fingerprintOf(head);
    }
    return { lines, to };
  }
}
