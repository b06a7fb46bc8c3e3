import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readScript } from '../src/index.js';

describe('readScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-lua-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('inlines each `-- @include <name>.lua` line from include/, and leaves other comments alone', () => {
    mkdirSync(join(dir, 'include'));
    writeFileSync(join(dir, 'include', 'shared.lua'), 'local function one() return 1 end\n');
    writeFileSync(join(dir, 'main-1.lua'), '-- a comment\n-- @include shared.lua\nreturn one()\n');
    expect(readScript(pathToFileURL(`${dir}/`), 'main-1.lua')).toBe('-- a comment\nlocal function one() return 1 end\nreturn one()\n');
  });

  it('leaves no include line in the store scripts', () => {
    const commands = new URL('../../windows/src/commands/', import.meta.url);
    for (const file of ['apply-queue.lua', 'apply-agents-3.lua']) {
      const lua = readScript(commands, file);
      expect(lua).not.toMatch(/^-- @include /m);
      expect(lua).toContain('local function readPartitionOffset');
    }
  });
});
