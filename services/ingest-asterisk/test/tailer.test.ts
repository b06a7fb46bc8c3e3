import { appendFile, copyFile, mkdtemp, rm, rename, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FilePosition } from '../src/file-position.js';
import { QueueLogTailer, type TailStep } from '../src/tailer.js';

const line = (n: number) => `17330${String(n).padStart(5, '0')}|1733000000.${n}|support|NONE|ENTERQUEUE||0${n}|1`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${line(from + i)}\n`).join('');

describe('QueueLogTailer', () => {
  let dir: string;
  let path: string;
  let tailer: QueueLogTailer;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-tail-'));
    path = join(dir, 'queue_log');
    tailer = new QueueLogTailer({ path, maxLines: 1000 });
  });
  afterEach(async () => {
    await tailer.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Follows the steps until idle, as the adapter does, and returns every line read with the position reached. */
  async function drain(from: FilePosition | undefined): Promise<{ raws: string[]; at: FilePosition | undefined; steps: TailStep['kind'][]; lost: boolean }> {
    const raws: string[] = [];
    const steps: TailStep['kind'][] = [];
    let at = from;
    let lost = false;
    for (let i = 0; i < 100; i += 1) {
      const step = await tailer.next(at);
      steps.push(step.kind);
      if (step.kind === 'idle') return { raws, at, steps, lost };
      if (step.kind === 'lines') raws.push(...step.lines.map((l) => l.raw));
      if (step.kind === 'switched') lost ||= step.lost;
      at = step.to;
    }
    throw new Error('the tail never became idle');
  }

  it('waits for a file that does not exist yet', async () => {
    expect(await tailer.next(undefined)).toEqual({ kind: 'idle', lagBytes: 0, waitingForFile: true });
  });

  it('reads whole lines only: a partial last line waits for its line break', async () => {
    await writeFile(path, `${lines(1, 2)}${line(3).slice(0, 10)}`);
    const first = await drain(undefined);
    expect(first.raws).toEqual([line(1), line(2)]);
    expect(first.at?.lineNo).toBe(2);
    expect(await tailer.next(first.at)).toMatchObject({ kind: 'idle', lagBytes: 10 });
    await appendFile(path, `${line(3).slice(10)}\r\n`);
    const second = await drain(first.at);
    expect(second.raws).toEqual([line(3)]);
    expect(second.at?.lineNo).toBe(3);
  });

  it('resumes from a saved position with a new tailer (a restart)', async () => {
    await writeFile(path, lines(1, 5));
    const { at } = await drain(undefined);
    await appendFile(path, lines(6, 7));
    await tailer.close();
    tailer = new QueueLogTailer({ path });
    const again = await drain(JSON.parse(JSON.stringify(at)) as FilePosition);
    expect(again.raws).toEqual([line(6), line(7)]);
  });

  it('rename rotation: reads the old file to its end (lines written after the rename too), then the new one from 0', async () => {
    await writeFile(path, lines(1, 3));
    const a = await drain(undefined);
    await rename(path, `${path}.1`);
    // The PBX still writes to the renamed file until it reopens its log …
    await appendFile(`${path}.1`, lines(4, 5));
    await writeFile(path, '');
    // … and an empty new file does not end the old one.
    const b = await drain(a.at);
    expect(b.raws).toEqual([line(4), line(5)]);
    await appendFile(`${path}.1`, `${line(6)}`); // a torn last line: the old file will never grow again
    await appendFile(path, lines(7, 8));
    const c = await drain(b.at);
    expect(c.raws).toEqual([line(6), line(7), line(8)]);
    expect(c.steps).toContain('switched');
    expect(c.lost).toBe(false);
    expect(c.at?.name).toBe(path);
    expect(c.at?.lineNo).toBe(2);
  });

  it('rename rotation while stopped: finds the old file by its inode and finishes it first', async () => {
    await writeFile(path, lines(1, 3));
    const a = await drain(undefined);
    await tailer.close();
    await appendFile(path, lines(4, 4));
    await rename(path, `${path}.1`);
    await writeFile(path, lines(5, 6));
    tailer = new QueueLogTailer({ path });
    const b = await drain(a.at);
    expect(b.raws).toEqual([line(4), line(5), line(6)]);
    expect(b.lost).toBe(false);
  });

  it('copytruncate: reads the rest from the copy, then the truncated file from 0', async () => {
    await writeFile(path, lines(1, 3));
    const a = await drain(undefined);
    await appendFile(path, lines(4, 5));
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await appendFile(path, lines(6, 6));
    const b = await drain(a.at);
    expect(b.raws).toEqual([line(4), line(5), line(6)]);
    expect(b.at?.name).toBe(path);
  });

  it('truncated in place and written past the old offset again, no copy: the fingerprint tells, and it starts over at 0', async () => {
    await writeFile(path, lines(1, 2));
    const a = await drain(undefined);
    await truncate(path, 0);
    await appendFile(path, lines(11, 14));
    const b = await drain(a.at);
    expect(b.steps[0]).toBe('truncated');
    expect(b.raws).toEqual([line(11), line(12), line(13), line(14)]);
  });

  it('a file gone with no copy left: goes on with the file at the path and says lines may be lost', async () => {
    await writeFile(path, lines(1, 2));
    const a = await drain(undefined);
    await tailer.close();
    // Made before the old one goes, so it cannot get the old inode number back.
    await writeFile(`${path}.new`, lines(7, 7));
    await rm(path);
    await rename(`${path}.new`, path);
    tailer = new QueueLogTailer({ path });
    const b = await drain(a.at);
    expect(b.lost).toBe(true);
    expect(b.raws).toEqual([line(7)]);
  });

  it('a chunk holds at most maxLines lines', async () => {
    tailer = new QueueLogTailer({ path, maxLines: 2 });
    await writeFile(path, lines(1, 5));
    const first = await tailer.next(undefined);
    const step = await tailer.next(first.kind === 'switched' ? first.to : undefined);
    expect(step.kind === 'lines' && step.lines.map((l) => l.lineNo)).toEqual([1, 2]);
  });
});
