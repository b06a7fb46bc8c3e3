import { describe, expect, it } from 'vitest';
import { parseQueueLogLine } from '../src/index.js';
import { fixture, linesOf } from './helpers.js';

describe('parseQueueLogLine', () => {
  it('splits epoch|uniqueid|queue|agent|event|data… and keeps every data field, empty ones too', () => {
    const parsed = parseQueueLogLine('1764576860|1764576800.8|support|PJSIP/1001|ATTENDEDTRANSFER|LINK|PJSIP/a-1|PJSIP/b-2|2|58|1\n');
    expect(parsed).toEqual({
      ok: true,
      line: { epochSec: 1764576860, uniqueId: '1764576800.8', queue: 'support', agent: 'PJSIP/1001', event: 'ATTENDEDTRANSFER', data: ['LINK', 'PJSIP/a-1', 'PJSIP/b-2', '2', '58', '1'] },
    });
    expect(parseQueueLogLine('1764576000|NONE|NONE|NONE|QUEUESTART|')).toMatchObject({ ok: true, line: { data: [''] } });
    expect(parseQueueLogLine('1764576000|NONE|NONE|NONE|QUEUESTART')).toMatchObject({ ok: true, line: { data: [] } });
  });

  it('drops a trailing CR (a file copied through Windows) and reads empty fields as NONE', () => {
    for (const raw of linesOf(fixture('crlf.queue_log'))) expect(parseQueueLogLine(raw).ok).toBe(true);
    expect(parseQueueLogLine('1764576100|1764576100.1|support|NONE|ENTERQUEUE||5550101|1\r')).toMatchObject({ line: { data: ['', '5550101', '1'] } });
    expect(parseQueueLogLine('1764576100|1764576100.1|support||ENTERQUEUE||5550101|1')).toMatchObject({ line: { agent: 'NONE' } });
  });

  it('refuses every garbage line with CB_ASTERISK_LINE_INVALID and a message that never repeats the caller number', () => {
    const bad = linesOf(fixture('garbage.queue_log')).filter((l) => !l.includes('CONNECT') && !l.includes('ABANDON'));
    expect(bad.length).toBeGreaterThanOrEqual(7);
    for (const raw of bad) {
      const parsed = parseQueueLogLine(raw);
      expect(parsed.ok, JSON.stringify(raw)).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.error.code).toBe('CB_ASTERISK_LINE_INVALID');
      expect(parsed.error.message).not.toContain('5550101');
    }
    expect(parseQueueLogLine('x'.repeat(9000))).toMatchObject({ ok: false });
  });
});
