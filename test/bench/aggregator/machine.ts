import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import type { Redis } from '@callboard/runtime';

const REPO_ROOT = new URL('../../../', import.meta.url);

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return `(${cmd} unavailable)`;
  }
}

/** The Kafka version infra/local fetches and runs (its Maven pin). */
function kafkaVersion(): string {
  try {
    const pom = readFileSync(new URL('infra/local/kafka/pom.xml', REPO_ROOT), 'utf8');
    return /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(new URL('test/package.json', REPO_ROOT));
    const pkg = require(`${name}/package.json`) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** What the figures were measured on. */
export async function describeMachine(redis: Redis): Promise<string[]> {
  const info = await redis.info('server');
  const redisVersion = /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  return [
    `cpu           ${cpus()[0]?.model ?? 'unknown'}`,
    `nproc         ${run('nproc', [])}`,
    ...run('free', ['-g']).split('\n').map((l, i) => (i === 0 ? `free -g       ${l}` : `              ${l}`)),
    `node          ${process.version}`,
    `kafka         ${kafkaVersion()} (single KRaft node, infra/local)`,
    `kafkajs       ${packageVersion('kafkajs')}`,
    `redis         ${redisVersion}`,
  ];
}
