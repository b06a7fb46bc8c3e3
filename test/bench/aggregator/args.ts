import { parseArgs } from 'node:util';
import { AGGREGATOR_CHUNK_SIZE, AGGREGATOR_DEFAULTS } from '@callboard/aggregator';
import { CallboardError } from '@callboard/errors';

export const VARIANTS = ['bare', 'aggregator', 'naive'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface BenchArgs {
  /** Events pre-filled and consumed by the bare loop and the aggregator. */
  events: number;
  /** Events the naive variant applies before it stops; it is measured over this subset only. */
  naiveCap: number;
  /** Which runs to make; the ratios need all three. Profiling one path is the reason to narrow it. */
  variants: Variant[];
  /** Traffic seed for the simulator. */
  seed: number;
  /** Leave the topics and Redis keys in place (for inspection after the run). */
  keep: boolean;
  /** Partitions each consumer processes at once; the aggregator's default unless given. */
  concurrency: number;
  /** Records of a partition batch the aggregator hands to the store at a time; the aggregator's default unless given. */
  chunkSize: number;
  /** Run on the local Redis Cluster (CB_REDIS_MODE=cluster, infra/local's ports) instead of the single Redis. */
  cluster: boolean;
  /** Write a CPU profile of each measured run to this folder (slows the runs: use for diagnosis only). */
  profileDir: string | undefined;
}

export const BENCH_DEFAULTS = { events: 1_000_000, naiveCap: 100_000, seed: 20_250_101 } as const;

function count(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new CallboardError('CB_USAGE', `${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** `--events N`, `--naive-cap N`, `--variants bare,aggregator,naive`, `--concurrency N`, `--chunk-size N`, `--seed N`, `--cpu-prof-dir DIR`, `--keep`, `--cluster`. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      'naive-cap': { type: 'string' },
      variants: { type: 'string' },
      seed: { type: 'string' },
      keep: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      'chunk-size': { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      cluster: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const events = count('--events', values.events, BENCH_DEFAULTS.events);
  const variants = (values.variants ?? VARIANTS.join(',')).split(',').map((v) => v.trim());
  for (const v of variants) {
    if (!(VARIANTS as readonly string[]).includes(v)) throw new CallboardError('CB_USAGE', `--variants takes ${VARIANTS.join(', ')}; got ${JSON.stringify(v)}`);
  }
  return {
    events,
    naiveCap: Math.min(events, count('--naive-cap', values['naive-cap'], BENCH_DEFAULTS.naiveCap)),
    variants: VARIANTS.filter((v) => variants.includes(v)),
    seed: count('--seed', values.seed, BENCH_DEFAULTS.seed),
    keep: values.keep ?? false,
    concurrency: count('--concurrency', values.concurrency, AGGREGATOR_DEFAULTS.CB_AGGREGATOR_CONCURRENCY),
    chunkSize: count('--chunk-size', values['chunk-size'], AGGREGATOR_CHUNK_SIZE),
    profileDir: values['cpu-prof-dir'],
    cluster: values.cluster ?? false,
  };
}
