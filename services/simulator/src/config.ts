import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { CHANNELS, DIRECTIONS, identifier } from '@callboard/events';
import { generatedAgentId, isIdentifier } from './ids.js';
import { PROFILE_KINDS } from './profile.js';
import { isValidTimeZone } from './time-zone.js';
import { wave2Schema } from './wave2.js';

const DAY_MS = 24 * 3600 * 1000;

const probability = z.number().min(0, 'must be a probability in [0, 1]').max(1, 'must be a probability in [0, 1]');

/** A lognormal duration: its median and the sigma of its logarithm (0.3 tight … 1.2 very skewed). */
const lognormalSpec = z
  .object({
    medianMs: z.number().positive().max(DAY_MS),
    sigma: z.number().min(0).max(3),
  })
  .strict();

const ringSpec = z
  .object({
    minMs: z.number().int().nonnegative().max(120_000),
    maxMs: z.number().int().nonnegative().max(120_000),
  })
  .strict()
  .refine((r) => r.minMs <= r.maxMs, { message: 'minMs must not exceed maxMs', path: ['maxMs'] });

/**
 * How long a caller waits before hanging up: most draw from a lognormal, a small fraction are
 * "very impatient" and draw from an exponential with a mean of a few seconds. Those give the short
 * abandons (< 5 s) that `sl.ignoreShortAbandon` exists for.
 */
const patienceSpec = z
  .object({
    medianMs: z.number().positive().max(DAY_MS),
    sigma: z.number().min(0).max(3),
    impatientFraction: probability.default(0),
    impatientMeanMs: z.number().positive().max(600_000).default(2_500),
  })
  .strict();

const queueSchema = z
  .object({
    queueId: identifier,
    channel: z.enum(CHANNELS),
    direction: z.enum(DIRECTIONS).default('inbound'),
    /** Higher is served first when an agent with several skills picks its next call. */
    priority: z.number().int().min(0).max(1000).optional(),
    /** Arrivals per hour at the peak of the tenant's profile (the profile's maximum is 1). */
    baseCallsPerHour: z.number().nonnegative().finite().max(1_000_000),
    /** A call still waiting after this long flows out, reason `timeout` or `overflow`. */
    maxWaitMs: z.number().int().positive().max(DAY_MS),
    /** A queue of the same tenant that timed-out calls are offered to, as a new visit. */
    overflowTo: identifier.optional(),
    /**
     * In-queue callback: after `offerAfterMs` of waiting the caller is offered a callback and takes it
     * with `acceptProbability`; the call then flows out with reason `callback`.
     */
    callback: z
      .object({ offerAfterMs: z.number().int().positive().max(DAY_MS), acceptProbability: probability })
      .strict()
      .optional(),
    /** Ring / connect time between an agent being chosen and `call.answered`. */
    ringMs: ringSpec.default({ minMs: 1_000, maxMs: 4_000 }),
    talk: lognormalSpec,
    hold: z
      .object({ probability, medianMs: z.number().positive().max(DAY_MS), sigma: z.number().min(0).max(3) })
      .strict()
      .default({ probability: 0, medianMs: 30_000, sigma: 0.5 }),
    wrap: lognormalSpec,
    transferProbability: probability.default(0),
    /** How often `call.completed` carries `resolved` at all (a post-call survey or disposition code). */
    resolvedReportedProbability: probability.default(0),
    /** Of the completions that report it, how often `resolved` is true (first-contact resolution). */
    resolvedProbability: probability.default(0.8),
    patience: patienceSpec,
  })
  .strict();

const shiftSchema = z
  .object({
    /** Local hour the shift starts, in [0, 24); fractions allowed (8.5 is 08:30). */
    startHour: z.number().min(0).lt(24),
    /** Local hour it ends, in (0, 24]; below `startHour` means it ends the next day. */
    endHour: z.number().gt(0).max(24),
    /** Local weekdays the shift starts on, 0 = Sunday; every day by default. */
    days: z
      .array(z.number().int().min(0).max(6))
      .min(1)
      .default([0, 1, 2, 3, 4, 5, 6]),
  })
  .strict()
  .refine((s) => s.startHour !== s.endHour, { message: 'a shift needs endHour different from startHour', path: ['endHour'] });

const breakSchema = z
  .object({
    reason: z.string().min(1).max(64).default('break'),
    /** Minutes after the shift starts. */
    afterMinutes: z.number().nonnegative().max(24 * 60),
    durationMinutes: z.number().positive().max(24 * 60),
  })
  .strict();

const skillsSchema = z.array(identifier).min(1).max(256);

/** `count` agents numbered `a-<tenant>-<n>`, all with the same skills, shift and breaks. */
const agentGroupSchema = z
  .object({
    name: z.string().max(64).optional(),
    count: z.number().int().nonnegative().max(10_000),
    skills: skillsSchema,
    shift: shiftSchema,
    breaks: z.array(breakSchema).max(16).default([]),
    /** Breaks of a group are spread over this many minutes, so a whole team never leaves at once. */
    breakStaggerMinutes: z.number().nonnegative().max(24 * 60).default(60),
  })
  .strict();

const explicitAgentSchema = z
  .object({
    agentId: identifier,
    skills: skillsSchema,
    shift: shiftSchema,
    breaks: z.array(breakSchema).max(16).default([]),
  })
  .strict();

const tenantSchema = z
  .object({
    tenantId: identifier,
    timeZone: z.string().refine(isValidTimeZone, { message: 'must be an IANA time zone known to Intl (e.g. Europe/Stockholm)' }),
    profile: z.enum(PROFILE_KINDS).default('telecom'),
    /** Arrival multiplier on local Saturdays and Sundays. */
    weekendFactor: probability.default(1),
    /** Size of the pool `callerKey` values are drawn from; smaller means more repeat callers. */
    callerPopulation: z.number().int().positive().max(1e9).default(100_000),
    queues: z.array(queueSchema).min(1).max(1000),
    agentGroups: z.array(agentGroupSchema).default([]),
    agents: z.array(explicitAgentSchema).default([]),
  })
  .strict();

type TenantOutput = z.output<typeof tenantSchema>;

const incidentTarget = { tenantId: identifier, queueId: identifier };

/** One scripted incident: a group of a queue's agents leaves the floor, or the queue's arrivals surge. */
const incidentSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('removeAgents'),
      ...incidentTarget,
      /** Up to this many logged-in agents with the queue's skill go `away`, each after its current call. */
      count: z.number().int().positive().max(10_000),
      reason: z.string().min(1).max(64).default('break'),
    })
    .strict(),
  z
    .object({
      action: z.literal('surge'),
      ...incidentTarget,
      /** Multiplies the queue's arrival rate while the incident lasts. */
      multiplier: z.number().positive().finite().max(1000),
    })
    .strict(),
]);

/**
 * Incidents that repeat for as long as the run goes on, so a demo shows an alert fire, get
 * acknowledged and resolve within minutes of starting (issue 8 item 15). Incident k starts
 * `firstAfterMinutes + k · everyMinutes` after the schedule's origin (the live point of a run with a
 * backfill), applies `cycle[k mod length]`, and is undone `durationMinutes` later.
 */
const incidentsSchema = z
  .object({
    firstAfterMinutes: z.number().nonnegative().max(24 * 60).default(1),
    everyMinutes: z.number().positive().max(24 * 60),
    durationMinutes: z.number().positive().max(24 * 60),
    cycle: z.array(incidentSchema).min(1).max(100),
  })
  .strict()
  .refine((i) => i.durationMinutes < i.everyMinutes, { message: 'durationMinutes must be shorter than everyMinutes, so incidents never overlap', path: ['durationMinutes'] });

function checkTenant(tenant: TenantOutput, t: number, ctx: z.RefinementCtx, agentIds: Map<string, string>): void {
  const queueIds = new Set<string>();
  tenant.queues.forEach((q, i) => {
    if (queueIds.has(q.queueId)) ctx.addIssue({ code: 'custom', path: ['tenants', t, 'queues', i, 'queueId'], message: `duplicate queueId "${q.queueId}"` });
    queueIds.add(q.queueId);
  });
  const byId = new Map(tenant.queues.map((q) => [q.queueId, q]));
  tenant.queues.forEach((q, i) => {
    if (q.overflowTo === undefined) return;
    const path = ['tenants', t, 'queues', i, 'overflowTo'];
    if (!byId.has(q.overflowTo)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown queue "${q.overflowTo}" in tenant "${tenant.tenantId}"` });
      return;
    }
    // A cycle would bounce a call between queues until its patience ran out; it is always a typo.
    const seen = new Set([q.queueId]);
    for (let next = byId.get(q.overflowTo); next; next = next.overflowTo === undefined ? undefined : byId.get(next.overflowTo)) {
      if (seen.has(next.queueId)) {
        ctx.addIssue({ code: 'custom', path, message: `overflow from "${q.queueId}" forms a cycle through "${next.queueId}"` });
        return;
      }
      seen.add(next.queueId);
    }
  });
  const checkSkills = (skills: readonly string[], path: (string | number)[]): void => {
    skills.forEach((s, k) => {
      if (!queueIds.has(s)) ctx.addIssue({ code: 'custom', path: [...path, k], message: `unknown queue "${s}" in tenant "${tenant.tenantId}"` });
      else if (skills.indexOf(s) !== k) ctx.addIssue({ code: 'custom', path: [...path, k], message: `duplicate skill "${s}"` });
    });
  };
  const claim = (agentId: string, path: (string | number)[]): void => {
    const previous = agentIds.get(agentId);
    if (previous !== undefined) ctx.addIssue({ code: 'custom', path, message: `agent id "${agentId}" is already used at ${previous}` });
    else agentIds.set(agentId, path.join('.'));
  };
  let n = 0;
  tenant.agentGroups.forEach((g, i) => {
    checkSkills(g.skills, ['tenants', t, 'agentGroups', i, 'skills']);
    for (let k = 0; k < g.count; k += 1) {
      n += 1;
      const id = generatedAgentId(tenant.tenantId, n);
      const path = ['tenants', t, 'agentGroups', i, 'count'];
      if (!isIdentifier(id)) {
        ctx.addIssue({ code: 'custom', path: ['tenants', t, 'tenantId'], message: `generated agent id "${id}" is not a valid identifier; shorten the tenantId` });
        return;
      }
      claim(id, path);
    }
  });
  tenant.agents.forEach((a, i) => {
    checkSkills(a.skills, ['tenants', t, 'agents', i, 'skills']);
    claim(a.agentId, ['tenants', t, 'agents', i, 'agentId']);
  });
}

/** The simulator's configuration: tenants, their queues and their agents. */
export const simulatorConfigSchema = z
  .object({
    /** Free text, so a JSON file can say what it is for. */
    description: z.string().optional(),
    tenants: z.array(tenantSchema).min(1).max(1000),
    incidents: incidentsSchema.optional(),
    /** Outbound campaigns, first response, complaints, surveys, repeat callers (issue 11); absent: off. */
    wave2: wave2Schema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const tenantIds = new Set<string>();
    const agentIds = new Map<string, string>();
    config.tenants.forEach((tenant, t) => {
      if (tenantIds.has(tenant.tenantId)) ctx.addIssue({ code: 'custom', path: ['tenants', t, 'tenantId'], message: `duplicate tenantId "${tenant.tenantId}"` });
      tenantIds.add(tenant.tenantId);
      checkTenant(tenant, t, ctx, agentIds);
    });
    config.incidents?.cycle.forEach((incident, i) => {
      const tenant = config.tenants.find((t) => t.tenantId === incident.tenantId);
      if (!tenant) ctx.addIssue({ code: 'custom', path: ['incidents', 'cycle', i, 'tenantId'], message: `unknown tenant "${incident.tenantId}"` });
      else if (!tenant.queues.some((q) => q.queueId === incident.queueId)) {
        ctx.addIssue({ code: 'custom', path: ['incidents', 'cycle', i, 'queueId'], message: `unknown queue "${incident.queueId}" in tenant "${incident.tenantId}"` });
      }
    });
  });

export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
/** What a config file or a test may hand in: defaults not yet filled. */
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;
export type TenantConfig = SimulatorConfig['tenants'][number];
export type QueueConfig = TenantConfig['queues'][number];
export type ShiftConfig = z.output<typeof shiftSchema>;
export type BreakConfig = z.output<typeof breakSchema>;
export type IncidentsConfig = z.output<typeof incidentsSchema>;

/** The example that turns wave 2 on: the default floor plus an outbound campaign (`callboard simulate --wave2`). */
export const WAVE2_CONFIG_PATH = fileURLToPath(new URL('../config/wave2.json', import.meta.url));

/** The configuration shipped with the simulator: two tenants, six queues, about 80 agents. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../config/default.json', import.meta.url));

/**
 * The demo's floor (scripts/run.sh): the same queues at their peak rate around the clock (`flat`),
 * a 24-hour roster sized with Erlang C to meet each queue's SL target, and a scripted incident every
 * five minutes.
 */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../config/demo.json', import.meta.url));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 20).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  if (error.issues.length > 20) lines.push(`… and ${error.issues.length - 20} more`);
  return lines.join('; ');
}

/**
 * Validates a configuration value and fills its defaults. The result is deeply frozen.
 *
 * @param value - the parsed JSON (or an object built by a test).
 * @param source - where it came from, for the error message.
 * @throws CallboardError `CB_CONFIG_INVALID`, whose message names every offending field path.
 */
export function parseSimulatorConfig(value: unknown, source = 'simulator config'): SimulatorConfig {
  const parsed = simulatorConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new CallboardError('CB_CONFIG_INVALID', `${source} is invalid: ${describeIssues(parsed.error)}`, {
      source,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return deepFreeze(parsed.data);
}

/**
 * Reads and validates a JSON configuration file.
 *
 * @param path - a JSON file; {@link DEFAULT_CONFIG_PATH} is the shipped default.
 * @throws CallboardError `CB_CONFIG_INVALID` when the file is missing, is not JSON, or does not validate.
 */
export async function loadSimulatorConfig(path: string = DEFAULT_CONFIG_PATH): Promise<SimulatorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CallboardError('CB_CONFIG_INVALID', `cannot read simulator config ${path}: ${(err as Error).message}`, { cause: err, source: path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CallboardError('CB_CONFIG_INVALID', `simulator config ${path} is not JSON: ${(err as Error).message}`, { cause: err, source: path });
  }
  return parseSimulatorConfig(value, path);
}
