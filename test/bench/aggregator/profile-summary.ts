/**
 * Summarises a `.cpuprofile` written by `run.ts --cpu-prof-dir`: self time by package and by function.
 *
 *   npx tsx test/bench/aggregator/profile-summary.ts <file.cpuprofile> [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CallboardError } from '@callboard/errors';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which library or workspace package a frame belongs to. */
function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pnpm) return pnpm[1]!;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  const ws = /\/((?:packages|services|test)\/[^/]+)\//.exec(url);
  if (ws) return ws[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { top: { type: 'string' } }, allowPositionals: true });
const file = positionals[0];
if (!file) throw new CallboardError('CB_USAGE', 'usage: profile-summary.ts <file.cpuprofile> [--top N]');
const top = Number(values.top ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const pkg = packageOf(url, functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const name = `${functionName || '(anonymous)'}  ${pkg}${url ? `:${url.split('/').at(-1)}:${lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s\n\nself time by package\n`);
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1])) process.stdout.write(`${ms(v)} ${pct(v)}  ${k}\n`);
process.stdout.write(`\nself time by function (top ${top})\n`);
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms(v)} ${pct(v)}  ${k}\n`);
