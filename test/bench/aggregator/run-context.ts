import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import type { TestStack } from '../../helpers/infra.js';
import type { PartitionEnd } from './batch-probe.js';

/** What every measured run shares: the pre-filled topics and where they end. */
export interface RunContext {
  stack: TestStack;
  admin: Admin;
  ends: PartitionEnd[];
  /** Records on the event topics, valid or not. */
  records: number;
  /** `partitionsConsumedConcurrently` of every consumer, so all runs share the same settings. */
  concurrency: number;
  /** Records of a partition batch the aggregator hands to the store at a time. */
  chunkSize: number;
  /** Where to write CPU profiles of the measured spans; none by default. */
  profileDir: string | undefined;
}

/** One measured run. */
export interface Throughput {
  label: string;
  /** Events the rate is computed over. */
  events: number;
  seconds: number;
  perSecond: number;
  batches: number;
  /** Caveats printed beside the figure (a subset, a cap). */
  note?: string;
  /** Redis CPU time during the run per event measured (µs): every node of a Cluster, replicas too. */
  redisUsPerEvent?: number;
  /** Extra figures the run reports (what the store did, time split). */
  details?: Record<string, number | string>;
}

export function groupIdFor(ctx: RunContext, variant: string): string {
  return `${ctx.stack.prefix}bench-${variant}`;
}

/** A Redis key namespace of its own: `[A-Za-z0-9_-]{1,32}` like CB_REDIS_NAMESPACE. */
export function freshNamespace(variant: string): string {
  return `bench-${variant}-${randomBytes(3).toString('hex')}`;
}

export function throughput(label: string, events: number, fromMs: number, toMs: number, batches: number): Throughput {
  const seconds = (toMs - fromMs) / 1000;
  return { label, events, seconds, perSecond: events / seconds, batches };
}
