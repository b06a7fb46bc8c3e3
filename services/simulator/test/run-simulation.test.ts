import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatJsonLine, occurredAtMs, readJsonLines } from '@callboard/events';
import { createJsonLinesSink, createMemorySink, loadSimulatorConfig, runSimulation, simulate, type EventSink, type SimulatorConfig } from '../src/index.js';
import { BUSY_START, MINUTE } from './helpers.js';

let config: SimulatorConfig;
beforeAll(async () => {
  config = await loadSimulatorConfig();
});

describe('runSimulation', () => {
  it('writes the clean stream to truth and the faulty one to every faulty sink, and counts both', async () => {
    const truth = createMemorySink();
    const faultyA = createMemorySink();
    const faultyB = createMemorySink();
    const opts = { config, seed: 4, start: BUSY_START, durationMs: 30 * MINUTE };
    const stats = await runSimulation({ ...opts, sinks: { truth, faulty: [faultyA, faultyB] }, faults: { duplicates: 0.03, reorder: 0.05, reorderWindowMs: 60_000, corrupt: 0.01 } });

    const expected = [...simulate(opts)];
    expect(truth.items.map((i) => i.event)).toEqual(expected);
    expect(faultyB.items).toEqual(faultyA.items);
    expect(truth.closed && faultyA.closed && faultyB.closed).toBe(true);

    expect(stats.events).toBe(expected.length);
    expect(stats.eventsByType['call.offered']).toBe(stats.calls.offered);
    expect(stats.calls.answered).toBe(stats.calls.completed);
    expect(stats.calls.offered).toBe(stats.calls.answered + stats.calls.abandoned + stats.calls.flowedOut);
    expect(stats.faults.items).toBe(faultyA.items.length);
    expect(stats.faults.items).toBe(expected.length + stats.faults.duplicates + stats.faults.corrupt);
    expect(stats.faults.duplicates).toBeGreaterThan(0);
    expect(stats.faults.reordered).toBeGreaterThan(0);
    expect(stats.faults.corrupt).toBeGreaterThan(0);
  });

  it('without faults, the faulty sinks get exactly the clean stream', async () => {
    const truth = createMemorySink();
    const faulty = createMemorySink();
    await runSimulation({ config, seed: 2, start: BUSY_START, durationMs: 10 * MINUTE, sinks: { truth, faulty: [faulty] } });
    expect(faulty.items).toEqual(truth.items);
  });

  it('paces emission at `speed` times the wall clock', async () => {
    let clock = 1_000_000;
    const written: { wall: number; emitAt: number }[] = [];
    const sink: EventSink = {
      write: async (item) => {
        written.push({ wall: clock, emitAt: item.emitAt });
      },
      close: async () => {},
    };
    const stats = await runSimulation({
      config,
      seed: 1,
      start: BUSY_START,
      durationMs: 20 * MINUTE,
      sinks: { faulty: [sink] },
      speed: 60,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    for (const w of written) {
      // Never early, and never more than a millisecond late (a fake clock has no lag).
      const due = 1_000_000 + (w.emitAt - BUSY_START) / 60;
      expect(w.wall).toBeGreaterThanOrEqual(due - 1);
      expect(w.wall).toBeLessThanOrEqual(due + 1);
    }
    const lastEmit = written[written.length - 1]?.emitAt ?? BUSY_START;
    expect(stats.wallMs).toBeCloseTo((lastEmit - BUSY_START) / 60, -1);
    expect(stats.wallMs).toBeGreaterThan((20 * MINUTE) / 60);
  });

  it('plays a backfill at full speed when wallStart lies in the past, then paces', async () => {
    let clock = 5_000_000;
    const written: { wall: number; emitAt: number }[] = [];
    const sink: EventSink = { write: async (item) => void written.push({ wall: clock, emitAt: item.emitAt }), close: async () => {} };
    await runSimulation({
      config,
      seed: 1,
      start: BUSY_START,
      durationMs: 20 * MINUTE,
      sinks: { faulty: [sink] },
      speed: 1,
      wallStart: clock - 10 * MINUTE,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const backlog = written.filter((w) => w.emitAt <= BUSY_START + 10 * MINUTE);
    expect(backlog.length).toBeGreaterThan(100);
    expect(backlog.every((w) => w.wall === 5_000_000)).toBe(true);
    const paced = written.filter((w) => w.emitAt > BUSY_START + 10 * MINUTE);
    for (const w of paced) expect(w.wall).toBe(5_000_000 - 10 * MINUTE + (w.emitAt - BUSY_START));
  });

  it('stops when aborted and still closes its sinks', async () => {
    const controller = new AbortController();
    const truth = createMemorySink();
    let n = 0;
    const faulty: EventSink = {
      write: async () => {
        if (++n === 100) controller.abort();
      },
      close: async () => {},
    };
    const stats = await runSimulation({ config, seed: 1, start: BUSY_START, durationMs: Infinity, sinks: { truth, faulty: [faulty] }, signal: controller.signal });
    expect(n).toBe(100);
    expect(stats.faults.items).toBe(100);
    expect(truth.closed).toBe(true);
  });

  it('closes the sinks when the options are invalid', async () => {
    const truth = createMemorySink();
    await expect(runSimulation({ config, seed: 1, start: BUSY_START, durationMs: MINUTE, sinks: { truth }, faults: { corrupt: 2 } })).rejects.toMatchObject({
      code: 'CB_CONFIG_INVALID',
    });
    expect(truth.closed).toBe(true);
  });
});

describe('JSON-lines sink', () => {
  it('writes events as lines and corrupt records as broken lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-sink-'));
    const truthPath = join(dir, 'truth.jsonl');
    const faultyPath = join(dir, 'faulty.jsonl');
    const stats = await runSimulation({
      config,
      seed: 6,
      start: BUSY_START,
      durationMs: 15 * MINUTE,
      sinks: { truth: createJsonLinesSink(truthPath), faulty: [createJsonLinesSink(faultyPath)] },
      faults: { corrupt: 0.03, duplicates: 0.02 },
    });
    const truthLines = [];
    for await (const line of readJsonLines(truthPath)) truthLines.push(line);
    expect(truthLines.every((l) => l.ok)).toBe(true);
    const expected = [...simulate({ config, seed: 6, start: BUSY_START, durationMs: 15 * MINUTE })];
    expect(truthLines.map((l) => (l.ok ? l.event : undefined))).toEqual(expected);
    // Byte for byte, the truth file is the engine's output as JSON lines.
    expect(await readFile(truthPath, 'utf8')).toBe(expected.map((e) => formatJsonLine(e)).join(''));

    let good = 0;
    let bad = 0;
    for await (const line of readJsonLines(faultyPath)) {
      if (line.ok) good += 1;
      else bad += 1;
    }
    expect(bad).toBe(stats.faults.corrupt);
    expect(good).toBe(stats.events + stats.faults.duplicates);
    expect(occurredAtMs(expected[0]!)).toBe(BUSY_START);
  });
});
