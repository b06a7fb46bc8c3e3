import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonLine, readJsonLines, validateEvent, validateEventWithZod, type JsonLine } from '../src/index.js';
import { outcome } from './decode-cases.js';
import { HOSTILE_LINES, ODD_BUT_VALID_LINES } from './hostile-lines.js';

/**
 * Issue 9, bad inputs: whatever a line or a decoded record holds, validation returns a verdict and
 * never throws. An offset the datetime check accepts but Date cannot read (`+99:99`) used to throw a
 * RangeError out of validateEvent and parseJsonLine: `callboard produce` crashed on such a line, and a
 * consumer turned it into CB_CONSUMER_FAILED, which stops the consumer and blocks the partition.
 */
describe('inputs that must be refused, never thrown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-bad-input-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(HOSTILE_LINES)('$name: refused with its code and a reason naming the field', ({ line, code, reason }) => {
    let parsed: JsonLine | undefined;
    expect(() => (parsed = parseJsonLine(line, 7))).not.toThrow();
    expect(parsed).toMatchObject({ lineNo: 7, ok: false, raw: line, error: { code } });
    if (parsed?.ok === false) expect(parsed.error.message).toMatch(reason);
  });

  it('refuses an impossible offset as CB_EVENT_INVALID on the compiled path and the zod path alike', () => {
    const event = JSON.parse(HOSTILE_LINES[0]!.line) as unknown;
    for (const validate of [validateEvent, validateEventWithZod]) {
      expect(outcome(() => validate(event))).toStrictEqual({
        ok: false,
        code: 'CB_EVENT_INVALID',
        message: 'occurredAt: 2026-03-01T10:00:00+99:99 is not a valid instant',
        retriable: false,
        cause: undefined,
      });
    }
    // With other faults, each is named.
    const both = { ...(event as object), waitMs: -5, type: 'call.abandoned' };
    expect(validateEvent(both)).toMatchObject({ ok: false, error: { message: 'occurredAt: 2026-03-01T10:00:00+99:99 is not a valid instant; waitMs: Number must be greater than or equal to 0' } });
  });

  it.each(ODD_BUT_VALID_LINES)('$name: a valid event, and nothing outside it changes', ({ line, eventId }) => {
    const parsed = parseJsonLine(line, 1);
    expect(parsed).toMatchObject({ ok: true, event: { eventId } });
    if (!parsed?.ok) return;
    expect(Object.getPrototypeOf(parsed.event)).toBe(Object.prototype);
    expect(Object.keys(parsed.event)).not.toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(parsed.event, 'constructor')).toBe(false);
  });

  it('agrees on the compiled path and the zod path for every line here', () => {
    for (const { line } of [...HOSTILE_LINES, ...ODD_BUT_VALID_LINES]) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      expect(outcome(() => validateEvent(value)), line.slice(0, 200)).toStrictEqual(outcome(() => validateEventWithZod(value)));
    }
  });

  it('reads a file of them line by line: every bad line yielded with its number, every good one kept', async () => {
    const path = join(dir, 'hostile.jsonl');
    const lines = [...HOSTILE_LINES.map((h) => h.line), '', ...ODD_BUT_VALID_LINES.map((v) => v.line)];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const read: JsonLine[] = [];
    for await (const line of readJsonLines(path)) read.push(line);
    expect(read.filter((l) => !l.ok).map((l) => l.lineNo)).toEqual(HOSTILE_LINES.map((_, i) => i + 1));
    expect(read.filter((l) => l.ok).map((l) => l.ok && l.event.eventId)).toEqual(ODD_BUT_VALID_LINES.map((v) => v.eventId));
  });
});
