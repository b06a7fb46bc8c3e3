import { WINDOW_NAMES } from '@callboard/windows';

const error = { $ref: '#/components/responses/Error' };
const tenant = { name: 't', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } };
const authErrors = { '401': error, '403': error };
const rangeParameters = [
  { name: 'window', in: 'query', schema: { type: 'string', enum: [...WINDOW_NAMES] } },
  { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'an instant with a zone (2026-05-10T08:00:00Z); from..to spans at most the 8 days Redis keeps, else 400 CB_RANGE_TOO_LARGE' },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
  { name: 'at', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'moves "now" for named windows' },
];

/** The REST part of the gateway, served at `/openapi.json` (hand-written; the WebSocket protocol is in docs/websocket-protocol.md). */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'callboard gateway', version: '1.0.0', description: 'Live KPIs and alerts of a contact center. The WebSocket protocol (GET /ws) is described in docs/websocket-protocol.md.' },
  security: [{ bearer: [] }],
  paths: {
    '/healthz': { get: { summary: 'The process answers', security: [], responses: { '200': { description: 'ok' } } } },
    '/readyz': { get: { summary: 'Kafka consumers joined, latest snapshots loaded, Redis answers', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
    '/metrics': {
      get: {
        summary: 'KPI gauges callboard_kpi{tenant,queue,window,metric} (queue="*": the tenant total; window="live" the live state, window="month" the calendar month to date): a tenant token gets its own tenant, CB_GATEWAY_SCRAPE_TOKEN every tenant. Operational metrics are on the ops listener (CB_GATEWAY_OPS_PORT).',
        responses: { '200': { description: 'text exposition format' }, '401': error },
      },
    },
    '/api/v1/ws-ticket': {
      post: {
        summary: 'Exchange a bearer token for a one-time WebSocket ticket (for browsers: GET /ws?ticket=…)',
        responses: {
          '201': { description: 'ticket', content: { 'application/json': { schema: { type: 'object', required: ['ticket', 'expiresInSeconds'], properties: { ticket: { type: 'string' }, expiresInSeconds: { type: 'integer' } } } } } },
          '401': error,
          '429': { description: 'CB_RATE_LIMITED: the token took CB_GATEWAY_TICKETS_PER_MINUTE tickets this minute; see Retry-After', headers: { 'Retry-After': { schema: { type: 'integer' } } } },
        },
      },
    },
    '/api/v1/tenants/{t}/queues/{q}/kpis': {
      get: {
        summary: 'KPIs of one queue for a named window or a [from, to) range, in the JSON shape of `callboard query --json` (every counter and ratio, live state with complaints, monthToDate)',
        parameters: [tenant, { name: 'q', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } }, ...rangeParameters],
        responses: { '200': { description: '{"queues":[…]} with one entry', content: { 'application/json': { schema: { type: 'object', properties: { queues: { type: 'array', items: { type: 'object' } } } } } } }, '400': error, ...authErrors, '503': error },
      },
    },
    '/api/v1/tenants/{t}/kpis': {
      get: {
        summary:
          'The tenant total for a named window or a [from, to) range: counters summed over the tenant\'s queues plus its queue-less complaints, ratios from the sums (queueId null, planning null), the shape of a `tenants` row of `callboard query --json`',
        parameters: [tenant, ...rangeParameters],
        responses: { '200': { description: '{"tenants":[…]} with one entry', content: { 'application/json': { schema: { type: 'object', properties: { tenants: { type: 'array', items: { type: 'object' } } } } } } }, '400': error, ...authErrors, '503': error },
      },
    },
    '/api/v1/tenants/{t}/queues/{q}/series': {
      get: {
        summary: 'Primary SL of the preceding rolling-5m window, one point per step, for the wallboard sparkline',
        parameters: [
          tenant,
          { name: 'q', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } },
          { name: 'minutes', in: 'query', schema: { type: 'integer', minimum: 1, default: 60 } },
          { name: 'step', in: 'query', schema: { type: 'integer', minimum: 10, default: 60 }, description: 'seconds between points; at most 120 points' },
        ],
        responses: { '200': { description: '{"tenantId","queueId","primarySl","slTarget","window","stepSeconds","points":[{"at","value","offered"}…]}' }, '400': error, ...authErrors },
      },
    },
    '/api/v1/tenants/{t}/alerts': {
      get: { summary: 'Every alert of the tenant (AlertStore state)', parameters: [tenant], responses: { '200': { description: '{"alerts":[…]}' }, ...authErrors } },
    },
    '/api/v1/tenants/{t}/snapshot': {
      get: { summary: 'The latest KPI snapshot of every queue of the tenant, then the tenant total (queueId null), as the WebSocket snapshot frame carries them', parameters: [tenant], responses: { '200': { description: '{"epoch":…,"queues":[QueueView…, TenantView]}' }, ...authErrors } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256; claims tenantId, role, exp)' } },
    responses: {
      Error: {
        description: 'An error with a stable code',
        content: { 'application/json': { schema: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } } } },
      },
    },
  },
} as const;
