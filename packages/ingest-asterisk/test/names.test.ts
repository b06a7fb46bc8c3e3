import { describe, expect, it } from 'vitest';
import { IDENTIFIER_PATTERN } from '@callboard/events';
import { decodeName, encodeName, loadNameMap } from '../src/index.js';

describe('encodeName / decodeName', () => {
  it('keeps names that are identifiers and escapes the rest as _xx per UTF-8 byte', () => {
    expect(encodeName('support')).toBe('support');
    expect(encodeName('sales_en')).toBe('sales_en');
    expect(encodeName('agent-7.b')).toBe('agent-7.b');
    expect(encodeName('SIP/1001')).toBe('SIP_2f1001');
    expect(encodeName('PJSIP/agent-1')).toBe('PJSIP_2fagent-1');
    expect(encodeName('Local/1001@agents/n')).toBe('Local_2f1001_40agents_2fn');
    expect(encodeName('billing queue')).toBe('billing_20queue');
    expect(encodeName('客服')).toBe('_e5_ae_a2_e6_9c_8d');
    // an underscore that would read as an escape is escaped itself
    expect(encodeName('a_2f')).toBe('a_5f2f');
    expect(encodeName('x_ff_b')).toBe('x_5fff_b');
  });

  it('is reversible: decodeName(encodeName(x)) === x, and every encoding is an identifier', () => {
    const samples = ['SIP/1001', 'a_2f', '__2f', '_', '_ab_', 'Ünïcødé queue', 'x_5f', 'tab\tname', 'emoji 📞', 'A_2F', '%41', 'q.1-_'];
    let seed = 7;
    const alphabet = ['a', 'Z', '0', '_', '/', '@', ' ', 'é', 'f', '2', '.', '-', '界'];
    for (let n = 0; n < 500; n += 1) {
      let s = '';
      const len = 1 + (n % 12);
      for (let i = 0; i < len; i += 1) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        s += alphabet[seed % alphabet.length];
      }
      samples.push(s);
    }
    for (const name of samples) {
      let id: string;
      try {
        id = encodeName(name);
      } catch {
        continue; // too long once encoded: refused, checked below
      }
      expect(id).toMatch(IDENTIFIER_PATTERN);
      expect(decodeName(id)).toBe(name);
    }
    const ids = new Set(samples.flatMap((s) => { try { return [encodeName(s)]; } catch { return []; } }));
    expect(ids.size).toBe(new Set(samples.filter((s) => { try { encodeName(s); return true; } catch { return false; } })).size);
  });

  it('refuses an empty name and one longer than 64 characters once encoded, never truncating', () => {
    expect(() => encodeName('')).toThrow(expect.objectContaining({ code: 'CB_ASTERISK_NAME_INVALID' }));
    expect(encodeName('q'.repeat(64))).toHaveLength(64);
    expect(() => encodeName('q'.repeat(65))).toThrow(expect.objectContaining({ code: 'CB_ASTERISK_NAME_INVALID' }));
    expect(() => encodeName('客'.repeat(8))).toThrow(/--queues-map/);
  });
});

describe('loadNameMap', () => {
  it('reads queues and agents, several member names may share an agentId', () => {
    const map = loadNameMap({ queues: { 'billing queue': 'billing' }, agents: { 'PJSIP/1001': 'alice', Alice: 'alice' } });
    expect(map).toEqual({ queues: { 'billing queue': 'billing' }, agents: { 'PJSIP/1001': 'alice', Alice: 'alice' } });
    expect(loadNameMap({})).toEqual({ queues: {}, agents: {} });
  });

  it('refuses ids that are not identifiers, two queues on one id, and unknown keys, with CB_CONFIG_INVALID', () => {
    expect(() => loadNameMap({ queues: { a: 'has space' } })).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID' }));
    expect(() => loadNameMap({ queues: { a: 'q', b: 'q' } })).toThrow(/both map to q/);
    expect(() => loadNameMap({ queue: {} })).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID' }));
    expect(() => loadNameMap(null)).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID' }));
  });
});
