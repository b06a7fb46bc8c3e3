import { describe, expect, it } from 'vitest';
import { ASTERISK_INGEST_DEFAULTS, loadAsteriskIngestConfig } from '../src/config.js';

const base = { CB_ASTERISK_SERVER_ID: 'pbx1', CB_ASTERISK_TENANT: 'acme-telecom' };

describe('loadAsteriskIngestConfig', () => {
  it('has defaults, and no AMI unless asked for', () => {
    const c = loadAsteriskIngestConfig(base);
    expect(c).toMatchObject({ queueLog: ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_QUEUE_LOG, serverId: 'pbx1', tenantId: 'acme-telecom', httpPort: 9407, wrapUpMs: 0 });
    expect(c.ami).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the AMI settings and the wrap-up per queue', () => {
    const c = loadAsteriskIngestConfig({
      ...base,
      CB_ASTERISK_AMI_HOST: 'pbx.local',
      CB_ASTERISK_AMI_USER: 'callboard',
      CB_ASTERISK_AMI_SECRET: 'hunter2-not-logged',
      CB_ASTERISK_WRAPUP_MS: '5000',
      CB_ASTERISK_WRAPUP_BY_QUEUE: 'support=15000,sales=0',
    });
    expect(c.ami).toEqual({ host: 'pbx.local', port: 5038, username: 'callboard', secret: 'hunter2-not-logged', resyncMs: 300_000 });
    expect(loadAsteriskIngestConfig({ ...base, CB_ASTERISK_AMI_HOST: 'h', CB_ASTERISK_AMI_USER: 'u', CB_ASTERISK_AMI_SECRET: 's', CB_ASTERISK_AMI_RESYNC_MS: '60000' }).ami?.resyncMs).toBe(60_000);
    expect(() => loadAsteriskIngestConfig({ ...base, CB_ASTERISK_AMI_RESYNC_MS: '10' })).toThrow(/CB_ASTERISK_AMI_RESYNC_MS/);
    expect([...c.wrapUpByQueue]).toEqual([
      ['support', 15000],
      ['sales', 0],
    ]);
  });

  it('refuses a server id or tenant that is not an identifier, half an AMI setup, and never prints a secret', () => {
    expect(() => loadAsteriskIngestConfig({ ...base, CB_ASTERISK_SERVER_ID: 'pbx 1' })).toThrow(/CB_ASTERISK_SERVER_ID/);
    expect(() => loadAsteriskIngestConfig({ CB_ASTERISK_SERVER_ID: 'pbx1' })).toThrow(/CB_ASTERISK_TENANT/);
    expect(() => loadAsteriskIngestConfig({ ...base, CB_ASTERISK_AMI_HOST: 'pbx.local' })).toThrow(/go together/);
    let message = '';
    try {
      loadAsteriskIngestConfig({ ...base, CB_ASTERISK_CALLER_KEY_SECRET: 'short-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/CB_ASTERISK_CALLER_KEY_SECRET: must be at least 16 characters/);
    expect(message).not.toContain('short-secret');
  });
  it('reads CB_ASTERISK_START_FROM (default 24h) and refuses absurd values naming the variable', () => {
    expect(loadAsteriskIngestConfig(base).startFrom).toEqual({ kind: 'lookback', lookbackMs: 24 * 3600_000 });
    expect(loadAsteriskIngestConfig({ ...base, CB_ASTERISK_START_FROM: 'beginning' }).startFrom).toEqual({ kind: 'beginning' });
    expect(loadAsteriskIngestConfig({ ...base, CB_ASTERISK_START_FROM: 'end' }).startFrom).toEqual({ kind: 'end' });
    expect(loadAsteriskIngestConfig({ ...base, CB_ASTERISK_START_FROM: '90m' }).startFrom).toEqual({ kind: 'lookback', lookbackMs: 90 * 60_000 });
    expect(loadAsteriskIngestConfig({ ...base, CB_ASTERISK_START_FROM: '7d' }).startFrom).toEqual({ kind: 'lookback', lookbackMs: 7 * 86_400_000 });
    for (const bad of ['0h', '0m', '367d', '24', 'h', '-1h', '1.5h', '24 hours', 'start', '1y', '9999999d']) {
      expect(() => loadAsteriskIngestConfig({ ...base, CB_ASTERISK_START_FROM: bad }), bad).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining('CB_ASTERISK_START_FROM') }));
    }
  });
});
