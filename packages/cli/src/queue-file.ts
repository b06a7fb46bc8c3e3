import { QueueConfig } from '@callboard/queue-config';
import type { CliContext } from './context.js';

/** The per-queue settings the aggregator uses, so offline and live numbers are computed alike. */
export function loadQueueConfig(ctx: CliContext, path?: string): QueueConfig {
  return QueueConfig.load(path ?? ctx.env.CB_QUEUES_FILE ?? 'config/queues.json');
}
