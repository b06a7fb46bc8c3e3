import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SKIP = new Set(['node_modules', 'dist', '.git', '.tools', '.infra']);

/** Every tsconfig.json under `dir` (dependencies and build output left out), as a path from the repo root. */
function tsconfigs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith('.') ? [] : tsconfigs(join(dir, e.name));
    return e.name === 'tsconfig.json' ? [relative(ROOT, join(dir, e.name))] : [];
  });
}

describe('the root typecheck', () => {
  it('checks every tsconfig.json of the workspace, the wallboard’s browser bundle included', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const checked = [...(scripts.typecheck ?? '').matchAll(/tsc -p (\S+) --noEmit/g)].map((m) => m[1]);
    const found = ['tsconfig.json', ...['packages', 'services', 'test'].flatMap((d) => tsconfigs(join(ROOT, d)))];
    expect(checked.sort()).toEqual(found.sort());
    expect(checked).toContain('services/gateway/wallboard/tsconfig.json');
  });
});
