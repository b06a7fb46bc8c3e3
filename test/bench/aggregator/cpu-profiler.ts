import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of this process over one measured span only (not the pre-fill), written as
 * `<dir>/<name>.cpuprofile`: open it in Chrome DevTools or summarise it with profile-summary.ts.
 * Profiling costs throughput, so a profiled run's figures are not the benchmark's figures.
 */
export async function startCpuProfile(dir: string | undefined, name: string): Promise<() => Promise<string | undefined>> {
  if (!dir) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}
