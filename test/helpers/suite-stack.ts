import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createTestStack, type TestStack } from './infra.js';

/**
 * A suite's fresh prefixed stack (topics, schemas) and temporary folder: the stack is made before
 * the suite's tests and both are removed after them. Call inside a `describe` (or at a file's top).
 */
export function suiteStack(label: string): { readonly stack: TestStack; readonly dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `cb-${label}-`));
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await createTestStack(label);
  });
  afterAll(async () => {
    await stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get stack(): TestStack {
      if (stack === undefined) throw new Error(`the ${label} stack is made in beforeAll: read it inside a test`);
      return stack;
    },
  };
}
