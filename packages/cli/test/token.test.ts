import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyToken } from '@callboard/tokens';
import { callboard } from '../../../test/helpers/cli.js';

const GATEWAY = `gw-${randomBytes(16).toString('hex')}`;
const INGEST = `in-${randomBytes(16).toString('hex')}`;

/** `callboard token` as a user runs it; '' unsets a variable the test runner's own environment may hold. */
const token = (role: string, env: Record<string, string>) => callboard(['token', '--tenant', 'acme', '--role', role, '--ttl', '10m'], { CB_GATEWAY_SECRET: '', CB_INGEST_TOKEN_SECRET: '', ...env });

describe('callboard token: ingest tokens have a secret of their own (issue 10, round 2)', () => {
  it('signs gateway roles with CB_GATEWAY_SECRET and ingest with CB_INGEST_TOKEN_SECRET, which do not check each other', async () => {
    const env = { CB_GATEWAY_SECRET: GATEWAY, CB_INGEST_TOKEN_SECRET: INGEST };
    const [wallboard, ingest] = await Promise.all([token('wallboard', env), token('ingest', env)]);
    expect([wallboard.code, ingest.code], wallboard.stderr + ingest.stderr).toEqual([0, 0]);
    expect(await verifyToken(wallboard.stdout.trim(), GATEWAY)).toMatchObject({ tenantId: 'acme', role: 'wallboard' });
    expect(await verifyToken(ingest.stdout.trim(), INGEST)).toMatchObject({ tenantId: 'acme', role: 'ingest' });
    await expect(verifyToken(ingest.stdout.trim(), GATEWAY)).rejects.toMatchObject({ code: 'CB_TOKEN_INVALID' });
    await expect(verifyToken(wallboard.stdout.trim(), INGEST)).rejects.toMatchObject({ code: 'CB_TOKEN_INVALID' });
    // An ingest token needs no gateway secret where it is minted.
    const alone = await token('ingest', { CB_INGEST_TOKEN_SECRET: INGEST });
    expect(alone.code, alone.stderr).toBe(0);
  });

  it('refuses to sign an ingest token without its secret, short, or equal to the gateway secret: CB_CONFIG_INVALID, exit 1, no secret printed', async () => {
    const cases = await Promise.all([
      token('ingest', { CB_GATEWAY_SECRET: GATEWAY }),
      token('ingest', { CB_INGEST_TOKEN_SECRET: 'short-hunter7' }),
      token('ingest', { CB_GATEWAY_SECRET: GATEWAY, CB_INGEST_TOKEN_SECRET: GATEWAY }),
      token('wallboard', { CB_GATEWAY_SECRET: GATEWAY, CB_INGEST_TOKEN_SECRET: GATEWAY }),
      token('admin', { CB_INGEST_TOKEN_SECRET: INGEST }),
    ]);
    for (const r of cases) {
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      expect(r.stderr).toContain('CB_CONFIG_INVALID');
      for (const secret of [GATEWAY, INGEST, 'hunter7']) expect(r.stderr).not.toContain(secret);
    }
    expect(cases[0]!.stderr).toContain('--role ingest signs with CB_INGEST_TOKEN_SECRET');
    expect(cases[2]!.stderr).toContain('CB_INGEST_TOKEN_SECRET must differ from CB_GATEWAY_SECRET');
    expect(cases[4]!.stderr).toContain('--role admin signs with CB_GATEWAY_SECRET');
  });
});
