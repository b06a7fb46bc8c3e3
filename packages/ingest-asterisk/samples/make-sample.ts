/**
 * Writes samples/queue_log.sample: `pnpm exec tsx packages/ingest-asterisk/samples/make-sample.ts`.
 * The text comes from makeQueueLogSample() with its defaults (src/sample.ts); a test checks the file is its output.
 */
import { writeFileSync } from 'node:fs';
import { makeQueueLogSample } from '../src/sample.js';

writeFileSync(new URL('./queue_log.sample', import.meta.url), makeQueueLogSample());
