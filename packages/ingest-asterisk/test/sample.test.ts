import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCallEvent, validateEvent } from '@callboard/events';
import { makeQueueLogSample, SAMPLE_WRAP_UP_SEC } from '../src/sample.js';
import { OPTS, runQueueLog } from './helpers.js';

const SAMPLE = readFileSync(new URL('../samples/queue_log.sample', import.meta.url), 'utf8');

describe('samples/queue_log.sample', () => {
  it('is what makeQueueLogSample() writes with its defaults (regenerate with samples/make-sample.ts)', () => {
    expect(SAMPLE).toBe(makeQueueLogSample());
    expect(makeQueueLogSample({ seed: 1, calls: 20 })).toBe(makeQueueLogSample({ seed: 1, calls: 20 }));
    expect(makeQueueLogSample({ seed: 1, calls: 20 })).not.toBe(makeQueueLogSample({ seed: 2, calls: 20 }));
  });

  it('is in time order and maps without an error, every event valid, with every kind of outcome', () => {
    const epochs = SAMPLE.trimEnd().split('\n').map((l) => Number(l.split('|')[0]));
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    const run = runQueueLog(SAMPLE, { ...OPTS, wrapUpMs: (q) => (SAMPLE_WRAP_UP_SEC[q] ?? 0) * 1000 });
    expect(run.errors).toEqual([]);
    for (const e of run.events) expect(validateEvent(e).ok).toBe(true);
    const count = (type: string) => run.events.filter((e) => e.type === type).length;
    const lines = (event: string) => SAMPLE.split('\n').filter((l) => l.split('|')[4] === event).length;
    expect(count('call.offered')).toBe(lines('ENTERQUEUE'));
    expect(count('call.answered')).toBe(lines('CONNECT'));
    expect(count('call.completed')).toBe(lines('COMPLETECALLER') + lines('COMPLETEAGENT') + lines('BLINDTRANSFER') + lines('ATTENDEDTRANSFER'));
    expect(count('call.abandoned')).toBe(lines('ABANDON'));
    expect(count('call.flowed_out')).toBe(lines('EXITWITHTIMEOUT') + lines('EXITWITHKEY') + lines('EXITEMPTY'));
    expect(lines('ENTERQUEUE')).toBeGreaterThan(300);
    for (const event of ['ABANDON', 'EXITWITHTIMEOUT', 'EXITWITHKEY', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'RINGNOANSWER', 'PAUSEALL']) {
      expect(lines(event), event).toBeGreaterThan(0);
    }
    // billing callers who time out and enter billing again: a second visit of the same channel
    expect(run.events.some((e) => isCallEvent(e) && e.callId.endsWith('~2'))).toBe(true);
    expect(new Set(run.skipped)).toEqual(new Set(['QUEUESTART', 'DID', 'RINGNOANSWER', 'RINGCANCELED', 'CONFIGRELOAD']));
  });
});
