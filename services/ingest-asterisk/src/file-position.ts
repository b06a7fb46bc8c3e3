import { createHash } from 'node:crypto';

/** How many leading bytes of a file identify it (beside its inode): enough to tell a truncated and rewritten file apart. */
export const FINGERPRINT_BYTES = 256;

/**
 * Where the tail of one queue_log stands: the file (device and inode, and the name it was last
 * seen under), the byte offset after the last whole line taken, that line's number, and a
 * fingerprint of the file's first `fpLen` bytes. The fingerprint tells a file truncated in place
 * (copytruncate) and written past the old offset again from the file that was read.
 */
export interface FilePosition {
  name: string;
  dev: number;
  ino: number;
  offset: number;
  lineNo: number;
  fpLen: number;
  fpHash: string;
}

export function fingerprintOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The start of a file: nothing read, nothing fingerprinted. */
export function startOf(name: string, dev: number, ino: number): FilePosition {
  return { name, dev, ino, offset: 0, lineNo: 0, fpLen: 0, fpHash: fingerprintOf(Buffer.alloc(0)) };
}

export function isFilePosition(value: unknown): value is FilePosition {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  return typeof p.name === 'string' && count(p.dev) && count(p.ino) && count(p.offset) && count(p.lineNo) && count(p.fpLen) && typeof p.fpHash === 'string';
}
