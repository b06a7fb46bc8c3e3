import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { childEnv, REPO_ROOT } from './pipeline.js';

const run = promisify(execFile);

/** Runs `callboard` as a user would (`pnpm callboard …` runs this same file), against the test infra. */
export async function callboard(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
