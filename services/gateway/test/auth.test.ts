import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { GatewayError, issueToken, verifyToken } from '../src/index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(SECRET);

async function reason(token: string | undefined): Promise<string> {
  try {
    await verifyToken(token, SECRET);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return (err as GatewayError).reason;
  }
}

describe('gateway tokens', () => {
  it('issues HS256 tokens that verify to their claims', async () => {
    const token = await issueToken({ tenantId: 'acme', role: 'lead', ttlSeconds: 60, sub: 'li' }, SECRET);
    const claims = await verifyToken(token, SECRET);
    expect(claims).toMatchObject({ tenantId: 'acme', role: 'lead', sub: 'li' });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses missing, expired, forged, alg:none, wrong-algorithm and claim-less tokens', async () => {
    expect(await reason(undefined)).toBe('token_missing');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ tenantId: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 10).sign(key);
    expect(await reason(expired)).toBe('token_expired');
    const forged = await issueToken({ tenantId: 'acme', role: 'admin', ttlSeconds: 60 }, 'another-secret-that-is-long-enough-000000');
    expect(await reason(forged)).toBe('token_invalid');
    const none = new UnsecuredJWT({ tenantId: 'acme', role: 'admin' }).setExpirationTime(now + 60).encode();
    expect(await reason(none)).toBe('token_invalid');
    const hs512 = await new SignJWT({ tenantId: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime(now + 60).sign(key);
    expect(await reason(hs512)).toBe('token_invalid');
    const noExp = await new SignJWT({ tenantId: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(await reason(noExp)).toBe('token_invalid');
    const badRole = await new SignJWT({ tenantId: 'acme', role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 60).sign(key);
    expect(await reason(badRole)).toBe('token_invalid');
    const badTenant = await new SignJWT({ tenantId: 'ac me/x', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 60).sign(key);
    expect(await reason(badTenant)).toBe('token_invalid');
    expect(await reason('garbage.not.jwt')).toBe('token_invalid');
    // A token whose payload was edited after signing.
    const [h, , s] = (await issueToken({ tenantId: 'acme', role: 'wallboard', ttlSeconds: 60 }, SECRET)).split('.');
    const edited = Buffer.from(JSON.stringify({ tenantId: 'acme', role: 'admin', exp: now + 60 })).toString('base64url');
    expect(await reason(`${h}.${edited}.${s}`)).toBe('token_invalid');
  });

  it('refuses a valid ingest token: that role posts events and opens no gateway route (issue 10 item 3)', async () => {
    expect(await reason(await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, SECRET))).toBe('role_forbidden');
  });

  it('refuses every token signed with the ingest secret, whatever its role (issue 10, round 2)', async () => {
    const ingestSecret = 'the-ingest-token-secret-long-enough-000000';
    for (const role of ['ingest', 'wallboard', 'lead', 'admin'] as const) {
      expect(await reason(await issueToken({ tenantId: 'acme', role, ttlSeconds: 60 }, ingestSecret)), role).toBe('token_invalid');
    }
  });

  it('refuses a short secret', async () => {
    await expect(issueToken({ tenantId: 'acme', role: 'lead', ttlSeconds: 60 }, 'short')).rejects.toThrow(TypeError);
  });
});
