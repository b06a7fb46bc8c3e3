import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { childEnv, REPO_ROOT } from '../../../test/helpers/pipeline.js';

const run = promisify(execFile);

async function callboard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: childEnv({ CB_REDIS_NAMESPACE: `t-${randomBytes(4).toString('hex')}` }),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Issue 8 item 2: the CLI reads through the same bounded store as the gateway. */
describe('callboard query --from --to against the real Redis', () => {
  it('refuses 1970 to 2100 with CB_RANGE_TOO_LARGE and exit code 1, and answers a max-span read', async () => {
    const huge = await callboard(['query', '--tenant', 'acme', '--queue', 'billing', '--from', '1970-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--json']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/^callboard query: CB_RANGE_TOO_LARGE: .*8 days/m);
    expect(huge.stdout).toBe('');
    const now = Date.now();
    const max = await callboard(['query', '--tenant', 'acme', '--queue', 'billing', '--from', new Date(now - 8 * 24 * 3600_000).toISOString(), '--to', new Date(now).toISOString(), '--json']);
    expect(max.code, max.stderr).toBe(0);
    expect(JSON.parse(max.stdout)).toMatchObject({ queues: [{ tenantId: 'acme', queueId: 'billing', window: 'range' }] });
  });
});
