import { CallboardError } from '@callboard/errors';
import { assertIngestSecretsApart, issueToken, MIN_SECRET_LENGTH, ROLES, SECRET_VARIABLE, type Role } from '@callboard/tokens';
import { parseCommandArgs, requireString, type Command } from '../command.js';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

export const tokenCommand: Command = {
  name: 'token',
  summary: 'issue a signed token for a tenant and role (gateway or HTTP ingest)',
  usage: `callboard token --tenant T --role wallboard|lead|admin|ingest [--ttl 8h] [--sub NAME]

Prints an HS256 token carrying tenantId, role and exp. wallboard, lead and admin
tokens are signed with CB_GATEWAY_SECRET; ingest tokens with CB_INGEST_TOKEN_SECRET,
a secret of their own (each at least ${MIN_SECRET_LENGTH} characters, never printed), so the
hosts that take events cannot mint gateway tokens. A wallboard opens
http://GATEWAY/#token=<token>: the fragment never reaches the server or its logs.
An ingest token only posts events of its tenant to the HTTP ingest
(POST /api/v1/events, docs/ingest/http.md); it opens no gateway route, and the
gateway's roles cannot post events.`,
  async run(argv, makeCtx) {
    const { values } = parseCommandArgs('token', argv, { tenant: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' }, sub: { type: 'string' } });
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const tenantId = requireString('token', 'tenant', values.tenant);
    const role = requireString('token', 'role', values.role);
    if (!ROLES.includes(role as Role)) throw new CallboardError('CB_USAGE', `token: --role must be one of ${ROLES.join(', ')}`);
    const ttl = DURATION.exec(values.ttl ?? '8h');
    if (!ttl) throw new CallboardError('CB_USAGE', `token: --ttl must look like 30m, 8h or 7d, got ${JSON.stringify(values.ttl)}`);
    const { env } = makeCtx();
    const variable = SECRET_VARIABLE[role as Role];
    const secret = env[variable];
    if (!secret || secret.length < MIN_SECRET_LENGTH) throw new CallboardError('CB_CONFIG_INVALID', `token: --role ${role} signs with ${variable}, which must be set, at least ${MIN_SECRET_LENGTH} characters`);
    assertIngestSecretsApart(env.CB_GATEWAY_SECRET, { CB_INGEST_TOKEN_SECRET: env.CB_INGEST_TOKEN_SECRET });
    const token = await issueToken({ tenantId, role: role as Role, ttlSeconds: Number(ttl[1]) * UNIT_S[ttl[2] as keyof typeof UNIT_S], ...(values.sub ? { sub: values.sub } : {}) }, secret);
    process.stdout.write(`${token}\n`);
    return 0;
  },
};
