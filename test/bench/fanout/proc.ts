import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used (/proc/<pid>/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** What the figures were measured on. */
export function describeMachine(): string {
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', [], { encoding: 'utf8' }).trim();
  } catch {
    // cpus() is the fallback
  }
  return `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, nproc ${nproc}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`;
}

/** Busy and total jiffies of all cores together (/proc/stat's first line). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  // idle + iowait are not busy.
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** CPU seconds one core's worth of jiffies stand for. */
export const TICK_S = 1 / CLK_TCK;
