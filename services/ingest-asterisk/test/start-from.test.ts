import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import type { FilePosition } from '../src/file-position.js';
import { decide, endPositionOf, endSkip, holdBack } from '../src/start-from.js';
import { QueueLogTailer } from '../src/tailer.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function agentEvent(agentId: string, atMs: number, state: string, eventId = `pbx:${agentId}@${atMs}`): CanonicalEvent {
  return { type: 'agent.state_changed', eventId, occurredAt: new Date(atMs).toISOString(), tenantId: 't', source: 'asterisk:pbx', agentId, state, queueIds: ['q'] } as unknown as CanonicalEvent;
}

describe('start decision', () => {
  it('fixes the cutoff at the decision; beginning and end skip nothing', () => {
    expect(decide({ kind: 'lookback', lookbackMs: 3600_000 }, 10_000_000)).toMatchObject({ kind: 'lookback', cutoffMs: 6_400_000, skipping: true });
    expect(decide({ kind: 'end' }, 1).skipping).toBe(false);
    expect(decide({ kind: 'beginning' }, 1).skipping).toBe(false);
  });

  it('holds back each member’s latest state before the cutoff, passes on later events, and ends with one event per member at the cutoff', () => {
    const d = decide({ kind: 'lookback', lookbackMs: 1000 }, 11_000);
    expect(holdBack(d, [agentEvent('a', 1000, 'available'), agentEvent('b', 2000, 'away')])).toEqual([]);
    const wrapEnd = agentEvent('a', 12_000, 'available', 'pbx:a@3000:wrapend');
    expect(holdBack(d, [agentEvent('a', 3000, 'wrap_up'), wrapEnd])).toEqual([wrapEnd]);
    const out = endSkip(d, 'pbx');
    expect(out.map((e) => [e.eventId.startsWith('pbx:start@10000:'), e.occurredAt, (e as { agentId: string }).agentId, (e as { state: string }).state])).toEqual([
      [true, new Date(10_000).toISOString(), 'a', 'wrap_up'],
      [true, new Date(10_000).toISOString(), 'b', 'away'],
    ]);
    expect(new Set(out.map((e) => e.eventId)).size).toBe(2);
    expect(d).toMatchObject({ skipping: false });
    expect(d.pending).toBeUndefined();
    // The same skip again gives the same ids (a chunk read again after a failure).
    const again = decide({ kind: 'lookback', lookbackMs: 1000 }, 11_000);
    holdBack(again, [agentEvent('b', 2000, 'away'), agentEvent('a', 3000, 'wrap_up')]);
    expect(endSkip(again, 'pbx').map((e) => e.eventId)).toEqual(out.map((e) => e.eventId));
  });
});

describe('endPositionOf', () => {
  it('is the position after the last whole line, as the tailer would reach it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cb-startfrom-'));
    dirs.push(dir);
    const path = join(dir, 'queue_log');
    expect(await endPositionOf(path)).toBeUndefined();
    await writeFile(path, `${Array.from({ length: 700 }, (_, i) => `${1_700_000_000 + i}|NONE|NONE|NONE|QUEUESTART|`).join('\n')}\npartial`);
    const end = await endPositionOf(path);
    const tailer = new QueueLogTailer({ path, maxLines: 10_000 });
    const first = await tailer.next(undefined);
    if (first.kind !== 'switched') throw new Error('expected a switch to the file');
    let pos: FilePosition = first.to;
    for (let step = await tailer.next(pos); step.kind === 'lines'; step = await tailer.next(pos)) pos = step.to;
    expect(end).toEqual(pos);
    expect(end?.lineNo).toBe(700);
    // What is appended later is read from there.
    await appendFile(path, '\n1800000000|NONE|NONE|NONE|QUEUESTART|\n');
    const next = await tailer.next(end);
    expect(next.kind === 'lines' && next.lines.map((l) => l.raw)).toEqual(['partial', '1800000000|NONE|NONE|NONE|QUEUESTART|']);
    await tailer.close();
  });
});
