import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CallboardError } from '@callboard/errors';
import { assertIngestSecretsApart, issueToken, requireRole, ROLES, SECRET_VARIABLE, verifyToken } from '../src/index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(SECRET);

async function code(token: string | undefined): Promise<string> {
  try {
    await verifyToken(token, SECRET);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(CallboardError);
    return (err as CallboardError).code;
  }
}

describe('tokens', () => {
  it('issues HS256 tokens of every role that verify to their claims', async () => {
    for (const role of ROLES) {
      const claims = await verifyToken(await issueToken({ tenantId: 'acme', role, ttlSeconds: 60, sub: 'feed' }, SECRET), SECRET);
      expect(claims).toMatchObject({ tenantId: 'acme', role, sub: 'feed' });
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    }
  });

  it('refuses missing, expired, forged, alg:none and claim-less tokens with a code, never echoing the token', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await code(undefined)).toBe('CB_TOKEN_MISSING');
    expect(await code(await new SignJWT({ tenantId: 'acme', role: 'ingest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 10).sign(key))).toBe('CB_TOKEN_EXPIRED');
    const forged = await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, 'another-secret-that-is-long-enough-000000');
    expect(await code(forged)).toBe('CB_TOKEN_INVALID');
    await expect(verifyToken(forged, SECRET)).rejects.not.toThrow(forged.split('.')[2]!);
    expect(await code(new UnsecuredJWT({ tenantId: 'acme', role: 'ingest' }).setExpirationTime(now + 60).encode())).toBe('CB_TOKEN_INVALID');
    expect(await code(await new SignJWT({ tenantId: 'acme', role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 60).sign(key))).toBe('CB_TOKEN_INVALID');
    expect(await code('x'.repeat(9000))).toBe('CB_TOKEN_INVALID');
  });

  it('narrows to the roles a service serves, refusing the others with CB_ROLE_FORBIDDEN', async () => {
    const ingest = await verifyToken(await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, SECRET), SECRET);
    expect(requireRole(ingest, ['ingest'], 'post events').role).toBe('ingest');
    expect(() => requireRole(ingest, ['wallboard', 'lead', 'admin'], 'open the gateway')).toThrow(expect.objectContaining({ code: 'CB_ROLE_FORBIDDEN' }));
    const admin = await verifyToken(await issueToken({ tenantId: 'acme', role: 'admin', ttlSeconds: 60 }, SECRET), SECRET);
    expect(() => requireRole(admin, ['ingest'], 'post events')).toThrow(expect.objectContaining({ code: 'CB_ROLE_FORBIDDEN' }));
  });

  it('checks with every secret of a rotation, newest first, and a fault other than the signature is final', async () => {
    const previous = 'the-previous-secret-that-is-long-enough-0';
    const now = Math.floor(Date.now() / 1000);
    const both = [SECRET, previous];
    expect((await verifyToken(await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, previous), both)).tenantId).toBe('acme');
    expect((await verifyToken(await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, SECRET), both)).tenantId).toBe('acme');
    // Once the previous secret is dropped, its tokens are forgeries.
    await expect(verifyToken(await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, previous), [SECRET])).rejects.toMatchObject({ code: 'CB_TOKEN_INVALID' });
    const expired = await new SignJWT({ tenantId: 'acme', role: 'ingest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 10).sign(new TextEncoder().encode(previous));
    await expect(verifyToken(expired, both)).rejects.toMatchObject({ code: 'CB_TOKEN_EXPIRED' });
    const neither = await issueToken({ tenantId: 'acme', role: 'ingest', ttlSeconds: 60 }, 'n'.repeat(40));
    await expect(verifyToken(neither, both)).rejects.toMatchObject({ code: 'CB_TOKEN_INVALID' });
    await expect(verifyToken(neither, [])).rejects.toThrow(TypeError);
  });

  it('names the ingest role its own secret, and refuses it equal to the gateway secret without printing either', () => {
    expect(SECRET_VARIABLE).toEqual({ wallboard: 'CB_GATEWAY_SECRET', lead: 'CB_GATEWAY_SECRET', admin: 'CB_GATEWAY_SECRET', ingest: 'CB_INGEST_TOKEN_SECRET' });
    expect(() => assertIngestSecretsApart(undefined, { CB_INGEST_TOKEN_SECRET: SECRET })).not.toThrow();
    expect(() => assertIngestSecretsApart('g'.repeat(40), { CB_INGEST_TOKEN_SECRET: SECRET, CB_INGEST_TOKEN_SECRET_PREVIOUS: undefined })).not.toThrow();
    expect(() => assertIngestSecretsApart(SECRET, { CB_INGEST_TOKEN_SECRET: 'n'.repeat(40), CB_INGEST_TOKEN_SECRET_PREVIOUS: SECRET })).toThrow(
      expect.objectContaining({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining('CB_INGEST_TOKEN_SECRET_PREVIOUS must differ from CB_GATEWAY_SECRET') }),
    );
    expect(() => assertIngestSecretsApart(SECRET, { CB_INGEST_TOKEN_SECRET: SECRET })).toThrow(expect.objectContaining({ message: expect.not.stringContaining(SECRET) }));
  });
});
