import { beforeAll, describe, expect, it } from 'vitest';
import { formatJsonLine, occurredAtMs, parseJsonLine, validateEvent, type CanonicalEvent } from '@callboard/events';
import { isCallboardError } from '@callboard/errors';
import { corruptJsonLine, garbageBytes, injectFaults, invalidFieldVariant, loadSimulatorConfig, simulate, type StreamItem } from '../src/index.js';
import { BUSY_START, HOUR } from './helpers.js';

let clean: CanonicalEvent[];

beforeAll(async () => {
  const config = await loadSimulatorConfig();
  clean = [...simulate({ config, seed: 3, start: BUSY_START, durationMs: HOUR })];
});

const eventItems = (items: StreamItem[]) => items.filter((i): i is Extract<StreamItem, { kind: 'event' }> => i.kind === 'event');

describe('injectFaults', () => {
  it('with no faults is the clean stream, in order', () => {
    const items = [...injectFaults(clean, { seed: 1 })];
    expect(items.map((i) => i.event)).toEqual(clean);
    expect(items.every((i) => i.kind === 'event' && !i.duplicate && i.delayedMs === 0 && i.emitAt === occurredAtMs(i.event))).toBe(true);
  });

  it('duplicates about the requested fraction, same eventId, a little later', () => {
    const items = [...injectFaults(clean, { seed: 1, duplicates: 0.05 })];
    const dups = eventItems(items).filter((i) => i.duplicate);
    const p = 0.05;
    const sd = Math.sqrt(clean.length * p * (1 - p));
    expect(Math.abs(dups.length - clean.length * p)).toBeLessThan(4 * sd);
    for (const d of dups) {
      const firstIndex = items.findIndex((i) => i.kind === 'event' && i.event.eventId === d.event.eventId);
      expect(items.indexOf(d)).toBeGreaterThan(firstIndex);
      expect(d.emitAt - occurredAtMs(d.event)).toBeLessThanOrEqual(5_000);
    }
    // Deduplicated by eventId, the faulty stream is exactly the clean one.
    const seen = new Set<string>();
    const deduped = eventItems(items).filter((i) => (seen.has(i.event.eventId) ? false : (seen.add(i.event.eventId), true)));
    expect(deduped.map((i) => i.event)).toEqual(clean);
  });

  it('delays about the requested fraction, never beyond the window, keeping occurredAt', () => {
    const windowMs = 120_000;
    const items = [...injectFaults(clean, { seed: 2, reorder: 0.1, reorderWindowMs: windowMs })];
    const late = eventItems(items).filter((i) => i.delayedMs > 0);
    const sd = Math.sqrt(clean.length * 0.1 * 0.9);
    expect(Math.abs(late.length - clean.length * 0.1)).toBeLessThan(4 * sd);
    // Emission order is by emitAt.
    for (let k = 1; k < items.length; k += 1) expect((items[k] as StreamItem).emitAt).toBeGreaterThanOrEqual((items[k - 1] as StreamItem).emitAt);
    // Displacement: a late event comes after events up to `window` newer than itself, never more.
    let newest = -Infinity;
    let outOfOrder = 0;
    for (const item of items) {
      const t = occurredAtMs(item.event);
      if (t < newest) {
        outOfOrder += 1;
        expect(newest - t).toBeLessThanOrEqual(windowMs);
        expect(item.kind === 'event' && item.delayedMs > 0).toBe(true);
      }
      newest = Math.max(newest, t);
    }
    expect(outOfOrder).toBeGreaterThan(late.length / 2);
    // Nothing lost or altered: sorted back, it is the clean stream.
    expect(items.map((i) => i.event).sort((a, b) => occurredAtMs(a) - occurredAtMs(b) || clean.indexOf(a) - clean.indexOf(b))).toEqual(clean);
  });

  it('adds corrupt copies beside their originals, which stay in the stream', () => {
    const items = [...injectFaults(clean, { seed: 3, corrupt: 0.02 })];
    const corrupt = items.filter((i) => i.kind === 'corrupt');
    expect(corrupt.length).toBeGreaterThan(0);
    expect(new Set(corrupt.map((i) => (i.kind === 'corrupt' ? i.mode : '')))).toEqual(new Set(['garbage-bytes', 'truncated', 'invalid-field']));
    expect(eventItems(items).map((i) => i.event)).toEqual(clean);
    for (const c of corrupt) {
      const k = items.indexOf(c);
      expect(items[k - 1]?.event).toBe(c.event);
    }
  });

  it('is deterministic, and one fault fraction does not move another', () => {
    const a = [...injectFaults(clean, { seed: 9, duplicates: 0.05, reorder: 0.05 })];
    const b = [...injectFaults(clean, { seed: 9, duplicates: 0.05, reorder: 0.05 })];
    expect(b).toEqual(a);
    const lateIds = (items: StreamItem[]) => eventItems(items).filter((i) => !i.duplicate && i.delayedMs > 0).map((i) => i.event.eventId);
    const c = [...injectFaults(clean, { seed: 9, duplicates: 0.3, reorder: 0.05, corrupt: 0.1 })];
    expect(lateIds(c)).toEqual(lateIds(a));
  });

  it('leaves the clean events untouched', () => {
    const before = clean.map((e) => formatJsonLine(e)).join('');
    expect([...injectFaults(clean, { seed: 4, duplicates: 0.2, reorder: 0.2, corrupt: 0.2 })].length).toBeGreaterThan(clean.length);
    expect(clean.map((e) => formatJsonLine(e)).join('')).toBe(before);
  });

  it('rejects fractions outside [0, 1]', () => {
    let err: unknown;
    try {
      injectFaults(clean, { seed: 1, duplicates: 1.5 });
    } catch (e) {
      err = e;
    }
    expect(isCallboardError(err, 'CB_CONFIG_INVALID')).toBe(true);
  });
});

describe('corrupt records', () => {
  it('never validate, whatever the mode and event type', () => {
    const sample = ['call.offered', 'call.answered', 'call.abandoned', 'call.flowed_out', 'call.completed', 'agent.state_changed'].map(
      (type) => clean.find((e) => e.type === type) as CanonicalEvent,
    );
    for (const event of sample) {
      expect(validateEvent(invalidFieldVariant(event)).ok).toBe(false);
      for (const mode of ['garbage-bytes', 'truncated', 'invalid-field'] as const) {
        const line = corruptJsonLine(event, mode);
        expect(line).not.toContain('\n');
        expect(parseJsonLine(line, 1)?.ok).toBe(false);
      }
      const bytes = garbageBytes(event);
      expect(bytes[0]).not.toBe(0);
      expect(garbageBytes(event)).toEqual(bytes);
    }
  });
});
