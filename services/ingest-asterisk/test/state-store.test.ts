import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOf } from '../src/file-position.js';
import { StateStore } from '../src/state-store.js';

describe('StateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-state-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('has no state at first, then gives back what was saved, with no temp file left', async () => {
    const store = new StateStore(join(dir, 'nested'));
    expect(await store.load('/var/log/asterisk/queue_log')).toBeUndefined();
    const position = { ...startOf('/var/log/asterisk/queue_log', 2049, 77), offset: 120, lineNo: 3 };
    await store.save({ queueLog: '/var/log/asterisk/queue_log', position, queueLogMapper: { open: { a: 1 } } });
    expect(await store.load('/var/log/asterisk/queue_log')).toMatchObject({ version: 1, position, queueLogMapper: { open: { a: 1 } } });
    expect(await readdir(join(dir, 'nested'))).toEqual(['state.json']);
  });

  it('refuses a state that does not parse, is not its own, or belongs to another queue_log', async () => {
    const store = new StateStore(dir);
    await writeFile(store.file, '{"version":1,"queueLog":"/a","position":');
    await expect(store.load('/a')).rejects.toMatchObject({ code: 'CB_ASTERISK_STATE_INVALID' });
    await writeFile(store.file, JSON.stringify({ version: 1, queueLog: '/a', position: { name: '/a', offset: -1 } }));
    await expect(store.load('/a')).rejects.toMatchObject({ code: 'CB_ASTERISK_STATE_INVALID' });
    await store.save({ queueLog: '/a' });
    await expect(store.load('/b')).rejects.toMatchObject({ code: 'CB_ASTERISK_STATE_INVALID', message: expect.stringContaining('belongs to /a') });
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toMatchObject({ version: 1, queueLog: '/a' });
  });
});
