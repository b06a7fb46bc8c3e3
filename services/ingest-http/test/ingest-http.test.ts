import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '@callboard/tokens';
import { createTestStack, readBack, readTopicsToEnd, type TestStack } from '../../../test/helpers/infra.js';
import { DLQ_SOURCE, OPENAPI_PATH } from '../src/index.js';
import { GATEWAY_SECRET, ndjson, offered, post, PREVIOUS_SECRET, SECRET, startTestIngest, token, type TestIngest } from './support.js';

const TENANT = 'acme-http';
const OTHER = 'rival-http';

describe('HTTP ingest with the real Kafka and registry (issue 10 item 3)', () => {
  let stack: TestStack;
  let t: TestIngest;
  let seq = 0;
  const id = (label: string) => `${label}-${(seq += 1)}`;

  /** Every eventId the event topics hold, read to their end offsets now. */
  async function heldIds(): Promise<string[]> {
    const held = await readTopicsToEnd(stack, [stack.topology.callEvents.name, stack.topology.agentEvents.name]);
    return held.flatMap((r) => (r.event ? [r.event.eventId] : []));
  }

  beforeAll(async () => {
    stack = await createTestStack('ingest-http');
    t = await startTestIngest(stack);
  });
  afterAll(async () => {
    await t?.close();
    await stack?.cleanup();
  });

  it('accepts the good lines of JSON lines and of a JSON array, reports the bad ones by line, and every accepted event is in Kafka once it answers 202', async () => {
    const auth = await token(TENANT);
    const a = offered(TENANT, id('a'));
    const b = { ...offered(TENANT, id('b')), type: 'agent.state_changed', agentId: 'agent-7', state: 'available', queueIds: ['q-sales'] };
    const bad = { ...offered(TENANT, id('bad')), waitMs: -5, type: 'call.abandoned' };
    const foreign = offered(OTHER, id('foreign'));
    const c = offered(TENANT, id('c'));
    // line 1 a, 2 not JSON, 3 blank, 4 contract breach, 5 another tenant, 6 agent event, 7 c
    const lines = [JSON.stringify(a), '{not json', '', JSON.stringify(bad), JSON.stringify(foreign), JSON.stringify(b), JSON.stringify(c)].join('\n');
    const r = await post(t.ingest, lines, { token: auth });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(3);
    expect(r.body.rejected?.map(({ line, code }) => ({ line, code }))).toEqual([
      { line: 2, code: 'CB_EVENT_JSON_PARSE' },
      { line: 4, code: 'CB_EVENT_INVALID' },
      { line: 5, code: 'CB_TENANT_MISMATCH' },
    ]);
    // "202 means in Kafka": read the topics to their end right after the answer.
    const held = await heldIds();
    expect(held).toEqual(expect.arrayContaining([a.eventId, b.eventId, c.eventId]));
    expect(held).not.toContain(foreign.eventId);

    const d = offered(TENANT, id('d'));
    const e = offered(TENANT, id('e'));
    const arr = await post(t.ingest, JSON.stringify([d, 'just a string', e]), { token: auth, contentType: 'application/json; charset=utf-8' });
    expect(arr.status).toBe(202);
    expect(arr.body).toEqual({ accepted: 2, rejected: [{ line: 2, code: 'CB_EVENT_INVALID', message: expect.any(String) }] });
    expect(await heldIds()).toEqual(expect.arrayContaining([d.eventId, e.eventId]));
  });

  it('sends each refused line to the DLQ with its reason, tenant and line number, never the token', async () => {
    const auth = await token(TENANT);
    const foreign = offered(OTHER, id('dlq-foreign'));
    const r = await post(t.ingest, ndjson([offered(TENANT, id('dlq-ok')), foreign]), { token: auth });
    expect(r.body.rejected).toEqual([{ line: 2, code: 'CB_TENANT_MISMATCH', message: expect.any(String) }]);
    const dlq = await readBack(stack, stack.topology.dlq.name, (records) => records.some((x) => String(x.reason).includes(String(foreign.eventId)) || Buffer.from(x.value as Buffer).toString().includes(String(foreign.eventId))));
    const record = dlq.find((x) => Buffer.from(x.value as Buffer).toString().includes(String(foreign.eventId)));
    expect(record).toMatchObject({ sourceTopic: DLQ_SOURCE, sourceOffset: '2', reasonCode: 'CB_TENANT_MISMATCH', service: 'ingest-http' });
    expect(String(record?.reason)).toContain(`tenant ${TENANT}`);
    expect(String(record?.reason)).toContain('line 2');
    expect(Buffer.from(record?.key as Buffer).toString()).toBe(TENANT);
    for (const x of dlq) expect(JSON.stringify({ ...x, key: Buffer.from(x.key as Buffer).toString(), value: Buffer.from(x.value as Buffer).toString() })).not.toContain(auth);
  });

  it('refuses a missing, malformed, forged, expired or alg:none token and any token signed with the gateway secret with 401, and a gateway role with 403, accepting nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(SECRET);
    const event = offered(TENANT, id('refused'));
    const cases: { name: string; opts: { token?: string; authorization?: string }; status: number; code: string }[] = [
      { name: 'no token', opts: {}, status: 401, code: 'CB_TOKEN_MISSING' },
      { name: 'not a bearer header', opts: { authorization: 'Basic dXNlcjpwYXNz' }, status: 401, code: 'CB_TOKEN_INVALID' },
      { name: 'forged signature', opts: { token: await new SignJWT({ tenantId: TENANT, role: 'ingest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 60).sign(new TextEncoder().encode('z'.repeat(40))) }, status: 401, code: 'CB_TOKEN_INVALID' },
      { name: 'expired', opts: { token: await new SignJWT({ tenantId: TENANT, role: 'ingest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 5).sign(key) }, status: 401, code: 'CB_TOKEN_EXPIRED' },
      { name: 'alg none', opts: { token: new UnsecuredJWT({ tenantId: TENANT, role: 'ingest' }).setExpirationTime(now + 60).encode() }, status: 401, code: 'CB_TOKEN_INVALID' },
      { name: 'wallboard token', opts: { token: await token(TENANT, 'wallboard') }, status: 403, code: 'CB_ROLE_FORBIDDEN' },
      { name: 'lead token', opts: { token: await token(TENANT, 'lead') }, status: 403, code: 'CB_ROLE_FORBIDDEN' },
      { name: 'admin token', opts: { token: await token(TENANT, 'admin') }, status: 403, code: 'CB_ROLE_FORBIDDEN' },
      // Ingest tokens have their own secret: the gateway's, even on a token of role ingest, is a forgery here.
      { name: 'ingest token signed with the gateway secret', opts: { token: await issueToken({ tenantId: TENANT, role: 'ingest', ttlSeconds: 60 }, GATEWAY_SECRET) }, status: 401, code: 'CB_TOKEN_INVALID' },
      { name: 'admin token signed with the gateway secret', opts: { token: await issueToken({ tenantId: TENANT, role: 'admin', ttlSeconds: 60 }, GATEWAY_SECRET) }, status: 401, code: 'CB_TOKEN_INVALID' },
    ];
    for (const c of cases) {
      const r = await post(t.ingest, ndjson([event]), c.opts);
      expect({ name: c.name, status: r.status, code: r.body.error?.code }).toEqual({ name: c.name, status: c.status, code: c.code });
      expect(JSON.stringify(r.body)).not.toContain(c.opts.token ?? '\u0000');
    }
    expect(await heldIds()).not.toContain(event.eventId);
  });

  it('accepts tokens of the previous secret during a rotation, and still refuses them expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const event = offered(TENANT, id('rotated'));
    const previous = await issueToken({ tenantId: TENANT, role: 'ingest', ttlSeconds: 60 }, PREVIOUS_SECRET);
    const expired = await new SignJWT({ tenantId: TENANT, role: 'ingest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 5).sign(new TextEncoder().encode(PREVIOUS_SECRET));
    expect((await post(t.ingest, ndjson([event]), { token: expired })).body.error?.code).toBe('CB_TOKEN_EXPIRED');
    const r = await post(t.ingest, ndjson([event]), { token: previous });
    expect([r.status, r.body.accepted]).toEqual([202, 1]);
    expect(await heldIds()).toContain(event.eventId);
  });

  it("refuses every event of another tenant's ingest token, line by line, and Kafka never gets them", async () => {
    const events = [offered(TENANT, id('x1')), offered(TENANT, id('x2'))];
    const r = await post(t.ingest, ndjson(events), { token: await token(OTHER) });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(0);
    expect(r.body.rejected?.map((x) => [x.line, x.code])).toEqual([
      [1, 'CB_TENANT_MISMATCH'],
      [2, 'CB_TENANT_MISMATCH'],
    ]);
    const held = await heldIds();
    for (const e of events) expect(held).not.toContain(e.eventId);
  });

  it('refuses bodies that are not events: another media type (415), JSON that is not an array or not JSON (400)', async () => {
    const auth = await token(TENANT);
    const e = offered(TENANT, id('media'));
    const cases = [
      { body: JSON.stringify(e), contentType: 'text/plain', status: 415, code: 'CB_MEDIA_TYPE_UNSUPPORTED' },
      { body: JSON.stringify(e), contentType: 'application/json', status: 400, code: 'CB_INPUT_INVALID' },
      { body: '[{"eventId":', contentType: 'application/json', status: 400, code: 'CB_EVENT_JSON_PARSE' },
    ];
    for (const c of cases) {
      const r = await post(t.ingest, c.body, { token: auth, contentType: c.contentType });
      expect([r.status, r.body.error?.code]).toEqual([c.status, c.code]);
    }
    expect(await heldIds()).not.toContain(e.eventId);
  });

  it('serves its OpenAPI document, generated from the route schema, listing POST /api/v1/events', async () => {
    const res = await fetch(`${t.ingest.url}${OPENAPI_PATH}`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody: { content: Record<string, unknown> } }>> };
    expect(doc.openapi).toMatch(/^3\./);
    const route = doc.paths['/api/v1/events']?.post;
    expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(['202', '400', '401', '403', '413', '415', '429', '503']));
    expect(Object.keys(route?.requestBody.content ?? {})).toEqual(expect.arrayContaining(['application/x-ndjson', 'application/json']));
    expect(Object.keys(doc.paths)).not.toContain(OPENAPI_PATH);
  });

  it('counts requests, accepted and rejected events and Kafka send time on the loopback ops listener, with no tenant in it', async () => {
    const health = await fetch(`${t.ingest.opsUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${t.ingest.opsUrl}/readyz`);
    expect(ready.status).toBe(200);
    const text = await (await fetch(`${t.ingest.opsUrl}/metrics`)).text();
    expect(text).toMatch(/callboard_ingest_http_requests_total\{[^}]*status="202"[^}]*\} [1-9]/);
    expect(text).toMatch(/callboard_ingest_http_events_accepted_total\{[^}]*\} [1-9]/);
    expect(text).toMatch(/callboard_ingest_http_events_rejected_total\{[^}]*code="CB_TENANT_MISMATCH"[^}]*\} [1-9]/);
    expect(text).toMatch(/callboard_ingest_http_requests_refused_total\{[^}]*code="CB_ROLE_FORBIDDEN"[^}]*\} [1-9]/);
    expect(text).toMatch(/callboard_ingest_http_kafka_send_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    for (const tenant of [TENANT, OTHER]) expect(text).not.toContain(tenant);
    // The public listener has no ops routes.
    expect((await fetch(`${t.ingest.url}/metrics`)).status).toBe(404);
  });
});
