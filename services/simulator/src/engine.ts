import { CallboardError } from '@callboard/errors';
import type { AgentState, CanonicalEvent, CallFlowedOut, ComplaintOutcome } from '@callboard/events';
import { type IncidentsConfig, parseSimulatorConfig, type QueueConfig, type SimulatorConfigInput, type TenantConfig } from './config.js';
import { EventBuilder } from './event-builder.js';
import { EventCalendar } from './event-calendar.js';
import { defaultRunId, isIdentifier } from './ids.js';
import { createArrivalProfile, type ArrivalProfile } from './profile.js';
import { Random } from './random.js';
import { expandAgents, type AgentSpec } from './roster.js';
import { parseScenario, type ScenarioStep, type ScenarioStepInput } from './scenario.js';
import { nextShift, type ShiftInstance } from './shifts.js';
import { simulatedCallerKey, surveyScores, type ComplaintsConfig, type OutboundConfig, type SurveysConfig, type Wave2Config } from './wave2.js';

/** What a run simulates. */
export interface SimulateOptions {
  /** The configuration; it is validated (again) here, so a hand-built object is fine. */
  config: SimulatorConfigInput;
  /** A non-negative safe integer. The same seed, config, start and duration give identical output. */
  seed: number;
  /** Epoch ms of the first instant simulated. */
  start: number;
  /** How long arrivals are generated, in ms; `Infinity` runs until the consumer stops iterating. */
  durationMs: number;
  /** Time-based overrides; each step's `at` is ms after `start`. */
  scenario?: readonly ScenarioStepInput[];
  /**
   * After `start + durationMs`, keep simulating (without new arrivals) until every visit has its
   * outcome and every answered call is completed. Default true, so per-visit invariants hold on
   * the whole output. With false the run stops at the end instant and visits stay open.
   */
  drain?: boolean;
  /**
   * Nothing after this epoch ms is simulated: the run stops there, drained or not. A run sent to
   * Kafka passes now, so a complaint's response due hours after the last arrival is not sent from
   * the future (it stays open, as it would be now); unbounded by default.
   */
  until?: number;
  /** Embedded in event and call ids; defaults to `<seed>-<start in base 36>`. */
  runId?: string;
  /**
   * Where the config's repeating `incidents` schedule starts, in ms after `start` (default 0). A run
   * with a backfill passes the backfill's length, so the first incident comes soon after the live point.
   */
  incidentsFromMs?: number;
}

interface TenantRun {
  config: TenantConfig;
  profile: ArrivalProfile;
  queues: Map<string, QueueRun>;
  agents: AgentRun[];
  /** Wave 2: the HMAC secret of the tenant's callerKeys; undefined: `cust-<n>` keys as in v1. */
  callerSecret: string | undefined;
}

interface QueueRun {
  key: string;
  tenant: TenantRun;
  spec: QueueConfig;
  /** Candidate arrival gaps and thinning decisions; nothing else draws from it. */
  arrivals: Random;
  multiplier: number;
  /** Bumped when the rate changes, so the candidate scheduled at the old rate is ignored. */
  arrivalEpoch: number;
  /** The current candidate arrival time, fractional ms. */
  candidateAt: number;
  /** Visits waiting for an agent, oldest first. */
  waiting: Visit[];
  /** Agents with this skill, in roster order. */
  agents: AgentRun[];
  overflow: QueueRun | undefined;
}

interface CallRun {
  callId: string;
  tenant: TenantRun;
  callerKey: string;
  /** Which caller of the tenant's population this is; a repeat contact reuses it. */
  callerIndex: number;
  /** The first offer of the call: a wait across overflows counts from here. */
  firstOfferedAt: number;
  /** The instant the caller hangs up if still unanswered; patience counts from the first offer. */
  patienceDeadline: number;
  /** Every random draw about this call comes from here, so calls do not perturb each other. */
  rng: Random;
}

type VisitPhase = 'dialing' | 'waiting' | 'ringing' | 'talking' | 'wrapping' | 'done';

/** One visit of a call to a queue (DESIGN §5): a flow-out to another queue starts a new visit. */
interface Visit {
  call: CallRun;
  queue: QueueRun;
  seq: number;
  offeredAt: number;
  phase: VisitPhase;
  agent: AgentRun | undefined;
  ringMs: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  transferred: boolean;
  resolved: boolean | undefined;
  /** Whether the contact really was resolved, reported or not: drives wave 2 surveys and repeats. */
  resolvedTruth: boolean;
  /** The caller's wait until this visit's answer or end, across overflows. */
  waitMs: number;
  /** Wave 2 draws of this visit (its own stream, so v1 draws never move); undefined without wave 2. */
  extra: Random | undefined;
  /** Outbound: the attempt's `success`, and whether the dialer drops the callee. */
  success: boolean | undefined;
  dropped: boolean;
}

interface AgentRun {
  spec: AgentSpec;
  index: number;
  tenant: TenantRun;
  queues: QueueRun[];
  /** The state last published. */
  state: AgentState;
  reason: string | undefined;
  /** The visit the agent is ringing for, talking on or wrapping up. */
  visit: Visit | undefined;
  onShift: boolean;
  shiftEpoch: number;
  /** A break that is due but waits for the current call to finish. */
  breakDue: { reason: string; durationMs: number } | undefined;
  onBreak: string | undefined;
  breakEpoch: number;
  /** The queue key of the scenario step that took the agent off the floor. */
  heldFor: string | undefined;
  heldReason: string | undefined;
  availableSince: number;
}

type Task =
  | { kind: 'end' }
  | { kind: 'scenario'; step: ScenarioStep }
  | { kind: 'arrival'; queue: QueueRun; epoch: number }
  | { kind: 'abandon'; visit: Visit }
  | { kind: 'flowOut'; visit: Visit; callback: boolean }
  | { kind: 'answer'; visit: Visit }
  | { kind: 'talkEnd'; visit: Visit }
  | { kind: 'wrapEnd'; visit: Visit }
  | { kind: 'shiftStart'; agent: AgentRun; shift: ShiftInstance }
  | { kind: 'shiftEnd'; agent: AgentRun; epoch: number }
  | { kind: 'breakDue'; agent: AgentRun; epoch: number; reason: string; durationMs: number }
  | { kind: 'breakEnd'; agent: AgentRun; epoch: number }
  | { kind: 'incident'; index: number }
  | { kind: 'incidentEnd'; index: number }
  | { kind: 'dialEnd'; visit: Visit; reason: OutboundFailure | undefined }
  | { kind: 'feedback'; make: () => CanonicalEvent }
  | { kind: 'repeat'; queue: QueueRun; callerIndex: number };

type OutboundFailure = 'no_answer' | 'busy' | 'invalid_number' | 'rejected';

const HOUR_MS = 3_600_000;
/**
 * The `reason` of the `on_call` state an agent is published in from the instant a call is routed to
 * it until the call is answered: the ACD has reserved the agent (Genesys "alerting", Connect
 * "incoming"). An agent whose phone rings is not free to take another call, so it must not count
 * as available while the call it rings for still counts as waiting (issue 8 item 15).
 */
export const RINGING_REASON = 'ringing';
/** Nobody hangs up within the first half second: they are still hearing the line connect. */
const MIN_PATIENCE_MS = 500;

function invalid(message: string): CallboardError {
  return new CallboardError('CB_CONFIG_INVALID', message);
}

/**
 * Simulates contact-center traffic as a discrete-event simulation and yields canonical events in
 * non-decreasing `occurredAt` order (ties in the order they happened).
 *
 * Arrivals are a non-homogeneous Poisson process per queue (Lewis–Shedler thinning against the
 * tenant's time-of-day profile). Agents are simulated one by one: shifts, staggered breaks, skills,
 * ring time, talk, hold and wrap-up. Waiting callers abandon when their patience runs out or flow
 * out at the queue's `maxWaitMs`, so queues really build when agents are short.
 *
 * The generator is lazy: with `durationMs: Infinity` it runs for as long as it is iterated.
 *
 * @throws CallboardError `CB_CONFIG_INVALID` at once (not on first iteration) for a bad config,
 *   scenario, seed, start or duration.
 */
export function simulate(options: SimulateOptions): Generator<CanonicalEvent, void, undefined> {
  const { seed, start, durationMs } = options;
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalid(`seed must be a non-negative safe integer, got ${seed}`);
  if (!Number.isSafeInteger(start)) throw invalid(`start must be an integer epoch in ms, got ${start}`);
  if (!(durationMs > 0) || (durationMs !== Infinity && !Number.isSafeInteger(durationMs))) {
    throw invalid(`durationMs must be a positive integer or Infinity, got ${durationMs}`);
  }
  const runId = options.runId ?? defaultRunId(seed, start);
  if (!isIdentifier(runId)) throw invalid(`runId must match [A-Za-z0-9_.-]{1,64}, got "${runId}"`);
  const config = parseSimulatorConfig(options.config);
  const scenario = parseScenario(options.scenario ?? []);
  const incidentsFromMs = options.incidentsFromMs ?? 0;
  if (!Number.isSafeInteger(incidentsFromMs) || incidentsFromMs < 0) throw invalid(`incidentsFromMs must be a non-negative integer, got ${incidentsFromMs}`);
  const until = options.until ?? Infinity;
  if (until !== Infinity && (!Number.isSafeInteger(until) || until < start)) throw invalid(`until must be an integer epoch in ms not before start, got ${until}`);
  const engine = new Engine(config.tenants, seed, start, start + durationMs, options.drain ?? true, runId, config.wave2, until);
  engine.prepareScenario(scenario);
  if (config.incidents) engine.prepareIncidents(config.incidents, start + incidentsFromMs);
  return engine.run();
}

class Engine {
  private readonly calendar = new EventCalendar<Task>();
  private readonly builder: EventBuilder;
  private readonly root: Random;
  private readonly tenants: TenantRun[] = [];
  private out: CanonicalEvent[] = [];
  private now: number;
  private ended = false;
  private activeVisits = 0;
  private visitSeq = 0;
  private callSeq = 0;
  private incidents: IncidentsConfig | undefined;
  /** Complaint and survey events scheduled but not yet emitted; a drain waits for them. */
  private pendingFeedback = 0;

  constructor(
    tenants: readonly TenantConfig[],
    seed: number,
    private readonly start: number,
    private readonly end: number,
    private readonly drain: boolean,
    runId: string,
    private readonly wave2: Wave2Config | undefined,
    private readonly until: number,
  ) {
    this.now = start;
    this.builder = new EventBuilder(runId);
    this.root = Random.fromSeed(seed, 'simulator');
    // The end marker is scheduled first so that, at the end instant, it runs before anything else.
    if (end !== Infinity) this.calendar.schedule(end, { kind: 'end' });
    for (const config of tenants) this.tenants.push(this.buildTenant(config));
  }

  private buildTenant(config: TenantConfig): TenantRun {
    const tenant: TenantRun = {
      config,
      profile: createArrivalProfile({ kind: config.profile, timeZone: config.timeZone, weekendFactor: config.weekendFactor }),
      queues: new Map(),
      agents: [],
      callerSecret: this.wave2 ? `${this.wave2.repeatCallers ? this.wave2.repeatCallers.secretPrefix : 'callboard-simulator'}/${config.tenantId}` : undefined,
    };
    for (const spec of config.queues) {
      tenant.queues.set(spec.queueId, {
        key: `${config.tenantId}/${spec.queueId}`,
        tenant,
        spec,
        arrivals: this.root.fork(`arrivals/${config.tenantId}/${spec.queueId}`),
        multiplier: 1,
        arrivalEpoch: 0,
        candidateAt: this.start,
        waiting: [],
        agents: [],
        overflow: undefined,
      });
    }
    for (const queue of tenant.queues.values()) {
      if (queue.spec.overflowTo !== undefined) queue.overflow = tenant.queues.get(queue.spec.overflowTo);
    }
    expandAgents(config).forEach((spec, index) => {
      const agent: AgentRun = {
        spec,
        index,
        tenant,
        queues: spec.skills.map((s) => tenant.queues.get(s)).filter((q): q is QueueRun => q !== undefined),
        state: 'logged_out',
        reason: undefined,
        visit: undefined,
        onShift: false,
        shiftEpoch: 0,
        breakDue: undefined,
        onBreak: undefined,
        breakEpoch: 0,
        heldFor: undefined,
        heldReason: undefined,
        availableSince: this.start,
      };
      for (const q of agent.queues) q.agents.push(agent);
      tenant.agents.push(agent);
      // Agents already on shift log in at `start`, before the first arrival, so the live state is known.
      const shift = nextShift(spec.shift, config.timeZone, this.start);
      if (shift) this.calendar.schedule(Math.max(shift.start, this.start), { kind: 'shiftStart', agent, shift });
    });
    for (const queue of tenant.queues.values()) this.scheduleNextCandidate(queue);
    return tenant;
  }

  prepareScenario(steps: readonly ScenarioStep[]): void {
    for (const step of steps) {
      this.queueOf(step); // fail fast on an unknown queue
      const at = this.start + step.at;
      if (at < this.end) this.calendar.schedule(at, { kind: 'scenario', step });
    }
  }

  prepareIncidents(incidents: IncidentsConfig, origin: number): void {
    this.incidents = incidents;
    this.scheduleIncident(origin + Math.round(incidents.firstAfterMinutes * 60_000), 0);
  }

  private scheduleIncident(at: number, index: number): void {
    if (at < this.end) this.calendar.schedule(at, { kind: 'incident', index });
  }

  /** Applies (or, at its end, undoes) the incident `index` of the cycle through the scenario actions. */
  private onIncident(index: number, ending: boolean): void {
    const incidents = this.incidents;
    if (!incidents) return;
    const incident = incidents.cycle[index % incidents.cycle.length] as IncidentsConfig['cycle'][number];
    const target = { at: 0, tenantId: incident.tenantId, queueId: incident.queueId };
    if (incident.action === 'surge') {
      this.onScenario({ ...target, action: 'setRateMultiplier', multiplier: ending ? 1 : incident.multiplier });
    } else if (ending) {
      this.onScenario({ ...target, action: 'restoreAgents' });
    } else {
      this.onScenario({ ...target, action: 'removeAgents', count: incident.count, reason: incident.reason });
    }
    if (ending) return;
    this.calendar.schedule(this.now + Math.round(incidents.durationMinutes * 60_000), { kind: 'incidentEnd', index });
    this.scheduleIncident(this.now + Math.round(incidents.everyMinutes * 60_000), index + 1);
  }

  private queueOf(step: ScenarioStep): QueueRun {
    const matches = this.tenants
      .filter((t) => step.tenantId === undefined || t.config.tenantId === step.tenantId)
      .flatMap((t) => {
        const q = t.queues.get(step.queueId);
        return q ? [q] : [];
      });
    if (matches.length === 0) throw invalid(`scenario: unknown queue "${step.queueId}"${step.tenantId ? ` in tenant "${step.tenantId}"` : ''}`);
    if (matches.length > 1) throw invalid(`scenario: queue "${step.queueId}" exists in several tenants; set tenantId`);
    return matches[0] as QueueRun;
  }

  *run(): Generator<CanonicalEvent, void, undefined> {
    for (;;) {
      const entry = this.calendar.pop();
      if (!entry || entry.time > this.until) return;
      this.now = entry.time;
      const task = entry.payload;
      if (task.kind === 'end') {
        if (!this.drain) return;
        this.ended = true;
      } else {
        this.handle(task);
      }
      if (this.out.length > 0) {
        const batch = this.out;
        this.out = [];
        yield* batch;
      }
      // Draining stops when the last visit is closed and the last complaint step and survey are out;
      // agent shifts would otherwise go on for ever.
      if (this.ended && this.activeVisits === 0 && this.pendingFeedback === 0) return;
    }
  }

  private handle(task: Exclude<Task, { kind: 'end' }>): void {
    switch (task.kind) {
      case 'arrival':
        return this.onArrival(task.queue, task.epoch);
      case 'abandon':
        return this.onAbandon(task.visit);
      case 'flowOut':
        return this.onFlowOut(task.visit, task.callback);
      case 'answer':
        return this.onAnswer(task.visit);
      case 'talkEnd':
        return this.onTalkEnd(task.visit);
      case 'wrapEnd':
        return this.onWrapEnd(task.visit);
      case 'shiftStart':
        return this.onShiftStart(task.agent, task.shift);
      case 'shiftEnd':
        return this.onShiftEnd(task.agent, task.epoch);
      case 'breakDue':
        return this.onBreakDue(task.agent, task.epoch, task.reason, task.durationMs);
      case 'breakEnd':
        return this.onBreakEnd(task.agent, task.epoch);
      case 'scenario':
        return this.onScenario(task.step);
      case 'incident':
        return this.onIncident(task.index, false);
      case 'incidentEnd':
        return this.onIncident(task.index, true);
      case 'dialEnd':
        return this.onDialEnd(task.visit, task.reason);
      case 'feedback':
        this.pendingFeedback -= 1;
        this.out.push(task.make());
        return;
      case 'repeat':
        return this.newCall(task.queue, task.callerIndex);
    }
  }

  // ---- arrivals -------------------------------------------------------------------------------

  /** Lewis–Shedler thinning: candidates at the peak rate, each kept with probability λ(t)/λmax. */
  private scheduleNextCandidate(queue: QueueRun): void {
    const ratePerMs = (queue.spec.baseCallsPerHour * queue.multiplier) / HOUR_MS;
    if (ratePerMs <= 0) return;
    queue.candidateAt += queue.arrivals.exponential(1 / ratePerMs);
    if (queue.candidateAt >= this.end) return;
    this.calendar.schedule(Math.floor(queue.candidateAt), { kind: 'arrival', queue, epoch: queue.arrivalEpoch });
  }

  private onArrival(queue: QueueRun, epoch: number): void {
    if (epoch !== queue.arrivalEpoch) return;
    // The profile never exceeds 1, so the peak rate bounds the true rate as thinning requires.
    if (queue.arrivals.next() < queue.tenant.profile(queue.candidateAt) && !this.dialerIdle(queue)) this.newCall(queue);
    this.scheduleNextCandidate(queue);
  }

  /** @param repeatOf - the population index of a caller contacting the tenant again. */
  private newCall(queue: QueueRun, repeatOf?: number): void {
    this.callSeq += 1;
    const rng = this.root.fork(`call/${this.callSeq}`);
    const { patience } = queue.spec;
    // Always draw every value, so one caller's draws never shift with the configuration.
    const impatient = rng.bernoulli(patience.impatientFraction);
    const quick = rng.exponential(patience.impatientMeanMs);
    const usual = rng.lognormal(patience.medianMs, patience.sigma);
    const patienceMs = Math.max(MIN_PATIENCE_MS, Math.round(impatient ? quick : usual));
    const drawn = rng.int(1, queue.tenant.config.callerPopulation + 1);
    const callerIndex = repeatOf ?? drawn;
    const secret = queue.tenant.callerSecret;
    const call: CallRun = {
      callId: this.builder.nextCallId(),
      tenant: queue.tenant,
      callerKey: secret === undefined ? `cust-${callerIndex}` : simulatedCallerKey(secret, callerIndex),
      callerIndex,
      firstOfferedAt: this.now,
      patienceDeadline: this.now + patienceMs,
      rng,
    };
    this.offer(call, queue);
  }

  private offer(call: CallRun, queue: QueueRun): void {
    const { spec } = queue;
    const rng = call.rng;
    const ringMs = rng.int(spec.ringMs.minMs, spec.ringMs.maxMs + 1);
    const talkMs = Math.max(1000, Math.round(rng.lognormal(spec.talk.medianMs, spec.talk.sigma)));
    const holds = rng.bernoulli(spec.hold.probability);
    const holdDraw = Math.round(rng.lognormal(spec.hold.medianMs, spec.hold.sigma));
    const wrapMs = Math.round(rng.lognormal(spec.wrap.medianMs, spec.wrap.sigma));
    const transferred = rng.bernoulli(spec.transferProbability);
    const reported = rng.bernoulli(spec.resolvedReportedProbability);
    const resolved = rng.bernoulli(spec.resolvedProbability);
    // Drawn last, so adding the callback option leaves every earlier draw of a caller as it was.
    const takesCallback = rng.bernoulli(spec.callback?.acceptProbability ?? 0);
    const visit: Visit = {
      call,
      queue,
      seq: ++this.visitSeq,
      offeredAt: this.now,
      phase: 'waiting',
      agent: undefined,
      ringMs,
      talkMs,
      holdMs: holds ? holdDraw : 0,
      wrapMs,
      transferred,
      resolved: reported ? resolved : undefined,
      resolvedTruth: resolved,
      waitMs: 0,
      extra: this.wave2 ? rng.fork(`wave2/${spec.queueId}`) : undefined,
      success: undefined,
      dropped: false,
    };
    this.activeVisits += 1;
    this.out.push(
      this.builder.offered(this.now, {
        tenantId: call.tenant.config.tenantId,
        queueId: spec.queueId,
        callId: call.callId,
        channel: spec.channel,
        direction: spec.direction,
        callerKey: call.callerKey,
        priority: spec.priority,
      }),
    );
    const outbound = this.wave2?.outbound;
    if (spec.direction === 'outbound' && outbound && visit.extra) {
      this.dial(visit, visit.extra, outbound);
      return;
    }
    const agent = this.longestIdleAgent(queue);
    if (agent) {
      this.assign(agent, visit);
      return;
    }
    queue.waiting.push(visit);
    const timeoutAt = visit.offeredAt + spec.maxWaitMs;
    const callbackAt = takesCallback && spec.callback ? visit.offeredAt + spec.callback.offerAfterMs : Infinity;
    const flowOutAt = Math.min(timeoutAt, callbackAt);
    // On a tie the caller hangs up first: an overflow visit then always starts with patience left.
    if (call.patienceDeadline <= flowOutAt) this.calendar.schedule(call.patienceDeadline, { kind: 'abandon', visit });
    else this.calendar.schedule(flowOutAt, { kind: 'flowOut', visit, callback: callbackAt < timeoutAt });
  }

  // ---- outbound (wave 2) ---------------------------------------------------------------------

  /** A predictive dialer dials only while some agent of its campaign is on shift. */
  private dialerIdle(queue: QueueRun): boolean {
    return queue.spec.direction === 'outbound' && this.wave2?.outbound !== undefined && this.wave2.outbound !== false && !queue.agents.some((a) => a.onShift);
  }

  /** A dial attempt: it fails after its ring time, or the callee picks up then (see `onDialEnd`). */
  private dial(visit: Visit, rng: Random, o: OutboundConfig): void {
    const u = rng.next();
    let reason: OutboundFailure | undefined;
    let ring = o.connectRingMs;
    if (u < o.invalidNumberProbability) [reason, ring] = ['invalid_number', o.shortRingMs];
    else if (u < o.invalidNumberProbability + o.busyProbability) [reason, ring] = ['busy', o.shortRingMs];
    else if (u < o.invalidNumberProbability + o.busyProbability + o.rejectedProbability) reason = 'rejected';
    else if (u < o.invalidNumberProbability + o.busyProbability + o.rejectedProbability + o.noAnswerProbability) [reason, ring] = ['no_answer', o.noAnswerRingMs];
    const ringMs = rng.int(ring.minMs, ring.maxMs + 1);
    visit.success = rng.bernoulli(o.successProbability);
    visit.dropped = rng.bernoulli(o.dialerAbandonProbability);
    visit.phase = 'dialing';
    // Nobody waits in a campaign queue: the callee either picks up or the attempt fails.
    visit.call.patienceDeadline = Infinity;
    this.calendar.schedule(this.now + ringMs, { kind: 'dialEnd', visit, reason });
  }

  private onDialEnd(visit: Visit, reason: OutboundFailure | undefined): void {
    if (visit.phase !== 'dialing') return;
    const { call, queue } = visit;
    const v = { tenantId: call.tenant.config.tenantId, queueId: queue.spec.queueId, callId: call.callId, waitMs: this.now - visit.offeredAt };
    if (reason !== undefined) {
      this.out.push(this.builder.flowedOut(this.now, { ...v, reason }));
      this.closeVisit(visit);
      return;
    }
    const agent = visit.dropped ? undefined : this.longestIdleAgent(queue);
    if (!agent) {
      // A predictive dialer's abandon: the callee answered and no agent was there to take it.
      this.out.push(this.builder.abandoned(this.now, v));
      this.closeVisit(visit);
      return;
    }
    // The agent is connected at once; `call.answered` carries the ring time as its waitMs.
    visit.ringMs = 0;
    this.assign(agent, visit);
  }

  // ---- routing --------------------------------------------------------------------------------

  private isIdle(agent: AgentRun): boolean {
    return agent.state === 'available' && agent.visit === undefined;
  }

  /** Longest-idle-agent routing, the default of most ACDs; ties go to roster order. */
  private longestIdleAgent(queue: QueueRun): AgentRun | undefined {
    let best: AgentRun | undefined;
    for (const agent of queue.agents) {
      if (!this.isIdle(agent)) continue;
      if (!best || agent.availableSince < best.availableSince) best = agent;
    }
    return best;
  }

  /** The call an agent takes next: highest priority first, then the longest waiting. */
  private nextCallFor(agent: AgentRun): Visit | undefined {
    let best: Visit | undefined;
    for (const queue of agent.queues) {
      const head = queue.waiting[0];
      if (!head) continue;
      if (!best || precedes(head, best)) best = head;
    }
    return best;
  }

  /** Routes a call to an agent: the agent is reserved (`on_call`, ringing) at once, not at answer. */
  private assign(agent: AgentRun, visit: Visit): void {
    agent.visit = visit;
    visit.agent = agent;
    visit.phase = 'ringing';
    // Still reserved from a call whose caller hung up while it rang: already published as ringing.
    if (agent.state !== 'on_call' || agent.reason !== RINGING_REASON) this.publish(agent, 'on_call', RINGING_REASON);
    const answerAt = this.now + visit.ringMs;
    if (visit.call.patienceDeadline < answerAt) this.calendar.schedule(visit.call.patienceDeadline, { kind: 'abandon', visit });
    else this.calendar.schedule(answerAt, { kind: 'answer', visit });
  }

  // ---- call outcomes --------------------------------------------------------------------------

  private closeVisit(visit: Visit): void {
    visit.phase = 'done';
    this.activeVisits -= 1;
  }

  private onAbandon(visit: Visit): void {
    if (visit.phase === 'waiting') {
      removeFrom(visit.queue.waiting, visit);
    } else if (visit.phase !== 'ringing') {
      return; // answered or already closed; this was the timer of an earlier phase
    }
    const { call, queue } = visit;
    this.out.push(
      this.builder.abandoned(this.now, { tenantId: call.tenant.config.tenantId, queueId: queue.spec.queueId, callId: call.callId, waitMs: this.now - visit.offeredAt }),
    );
    this.closeVisit(visit);
    visit.waitMs = this.now - call.firstOfferedAt;
    this.afterContact(visit, 'abandoned');
    const agent = visit.agent;
    if (agent) {
      // The caller hung up while it rang: the agent is free again (or takes the next call at once).
      agent.visit = undefined;
      this.settle(agent);
    }
  }

  private onFlowOut(visit: Visit, callback: boolean): void {
    if (visit.phase !== 'waiting') return;
    const { call, queue } = visit;
    removeFrom(queue.waiting, visit);
    const reason: CallFlowedOut['reason'] = callback ? 'callback' : queue.overflow ? 'overflow' : 'timeout';
    this.out.push(
      this.builder.flowedOut(this.now, {
        tenantId: call.tenant.config.tenantId,
        queueId: queue.spec.queueId,
        callId: call.callId,
        waitMs: this.now - visit.offeredAt,
        reason,
      }),
    );
    this.closeVisit(visit);
    if (queue.overflow && !callback) this.offer(call, queue.overflow);
    else if (!callback) {
      visit.waitMs = this.now - call.firstOfferedAt;
      this.afterContact(visit, 'timedOut');
    }
  }

  private onAnswer(visit: Visit): void {
    const agent = visit.agent;
    if (visit.phase !== 'ringing' || !agent) return;
    visit.phase = 'talking';
    const { call, queue } = visit;
    visit.waitMs = this.now - call.firstOfferedAt;
    const waitMs = this.now - visit.offeredAt;
    const chat = this.wave2?.chat;
    const firstResponseMs =
      chat && visit.extra && queue.spec.direction === 'inbound' && chat.channels.includes(queue.spec.channel)
        ? waitMs + Math.round(visit.extra.lognormal(chat.firstReply.medianMs, chat.firstReply.sigma))
        : undefined;
    this.out.push(
      this.builder.answered(this.now, {
        tenantId: call.tenant.config.tenantId,
        queueId: queue.spec.queueId,
        callId: call.callId,
        agentId: agent.spec.agentId,
        waitMs,
        firstResponseMs,
      }),
    );
    this.publish(agent, 'on_call', undefined);
    this.calendar.schedule(this.now + visit.talkMs + visit.holdMs, { kind: 'talkEnd', visit });
  }

  private onTalkEnd(visit: Visit): void {
    const agent = visit.agent;
    if (visit.phase !== 'talking' || !agent) return;
    visit.phase = 'wrapping';
    this.publish(agent, 'wrap_up', undefined);
    this.calendar.schedule(this.now + visit.wrapMs, { kind: 'wrapEnd', visit });
  }

  private onWrapEnd(visit: Visit): void {
    const agent = visit.agent;
    if (visit.phase !== 'wrapping' || !agent) return;
    const { call, queue } = visit;
    this.out.push(
      this.builder.completed(this.now, {
        tenantId: call.tenant.config.tenantId,
        queueId: queue.spec.queueId,
        callId: call.callId,
        agentId: agent.spec.agentId,
        talkMs: visit.talkMs,
        holdMs: visit.holdMs,
        wrapMs: visit.wrapMs,
        transferred: visit.transferred,
        resolved: visit.resolved,
        success: queue.spec.direction === 'outbound' ? visit.success : undefined,
      }),
    );
    this.closeVisit(visit);
    this.afterContact(visit, 'completed');
    agent.visit = undefined;
    this.settle(agent);
  }

  // ---- complaints, surveys, repeat contacts (wave 2) -------------------------------------------

  /**
   * What a concluded inbound contact leads to: maybe a complaint, a survey (completed contacts) and a
   * repeat contact by the same caller. Every draw is made whatever the outcome, in a fixed order, so
   * one part's rates never shift another part's draws.
   */
  private afterContact(visit: Visit, how: 'completed' | 'abandoned' | 'timedOut'): void {
    const w = this.wave2;
    const rng = visit.extra;
    if (!w || !rng || visit.queue.spec.direction !== 'inbound') return;
    const longWait = visit.waitMs > w.longWaitMs;
    if (w.complaints) {
      const p = Math.min(1, w.complaints.probability * (longWait ? w.complaints.longWaitFactor : 1));
      if (rng.bernoulli(p)) this.planComplaint(visit, rng, w.complaints, longWait);
    }
    if (w.surveys && how === 'completed' && rng.bernoulli(w.surveys.probability)) this.planSurvey(visit, rng, w.surveys, longWait);
    const r = w.repeatCallers;
    if (r) {
      const base = how === 'completed' ? (visit.resolvedTruth ? r.afterResolvedProbability : r.afterUnresolvedProbability) : r.afterAbandonProbability;
      const repeats = rng.bernoulli(Math.min(1, base + (longWait ? r.longWaitBonus : 0)));
      const delayMs = Math.max(60_000, Math.round(rng.lognormal(r.delay.medianMs, r.delay.sigma)));
      const other = rng.bernoulli(r.otherQueueProbability);
      const inbound = [...visit.queue.tenant.queues.values()].filter((q) => q.spec.direction === 'inbound' && q !== visit.queue);
      const pick = rng.next();
      const queue = other && inbound.length > 0 ? (inbound[Math.floor(pick * inbound.length)] as QueueRun) : visit.queue;
      // Like arrivals, repeats stop at the end of the run; a drain only finishes what was started.
      if (repeats && this.now + delayMs < this.end) this.calendar.schedule(this.now + delayMs, { kind: 'repeat', queue, callerIndex: visit.call.callerIndex });
    }
  }

  private emitLater(at: number, make: () => CanonicalEvent): void {
    this.pendingFeedback += 1;
    this.calendar.schedule(at, { kind: 'feedback', make });
  }

  private planComplaint(visit: Visit, rng: Random, c: ComplaintsConfig, longWait: boolean): void {
    const filedAt = this.now + Math.max(1_000, Math.round(rng.lognormal(c.filingDelay.medianMs, c.filingDelay.sigma)));
    const severity = rng.bernoulli(c.urgentProbability) ? 'urgent' : 'normal';
    const aboutTheWait = rng.bernoulli(0.5);
    const picked = rng.pick(c.categories);
    const withoutQueue = rng.bernoulli(c.withoutQueueProbability);
    const dueGiven = rng.bernoulli(c.dueGivenProbability);
    const unanswered = rng.bernoulli(c.unansweredProbability);
    const late = rng.bernoulli(c.lateProbability);
    const dueMs = c.responseMs[severity];
    const onTimeAt = filedAt + Math.max(1_000, Math.round(rng.uniform(0.05, 0.95) * dueMs));
    const lateAt = filedAt + dueMs + Math.max(1_000, Math.round(rng.lognormal(c.lateBy.medianMs, c.lateBy.sigma)));
    const resolveAfterMs = Math.max(60_000, Math.round(rng.lognormal(c.resolutionDelay.medianMs, c.resolutionDelay.sigma)));
    const outcome = weightedOutcome(c.outcomes, rng.next());
    const { call, queue } = visit;
    const tenantId = call.tenant.config.tenantId;
    const complaintId = this.builder.nextComplaintId();
    this.emitLater(filedAt, () =>
      this.builder.complaintFiled(filedAt, {
        tenantId,
        complaintId,
        queueId: withoutQueue ? undefined : queue.spec.queueId,
        channel: queue.spec.channel,
        category: longWait && aboutTheWait ? 'wait_time' : picked,
        severity,
        callerKey: call.callerKey,
        callId: call.callId,
        responseDueAt: dueGiven ? filedAt + dueMs : undefined,
      }),
    );
    if (unanswered) return;
    const respondedAt = late ? lateAt : onTimeAt;
    const agentId = visit.agent?.spec.agentId;
    this.emitLater(respondedAt, () => this.builder.complaintResponded(respondedAt, { tenantId, complaintId, agentId }));
    const closedAt = respondedAt + resolveAfterMs;
    this.emitLater(closedAt, () => this.builder.complaintResolved(closedAt, { tenantId, complaintId, outcome }));
  }

  private planSurvey(visit: Visit, rng: Random, s: SurveysConfig, longWait: boolean): void {
    const at = this.now + Math.max(1_000, Math.round(rng.lognormal(s.delay.medianMs, s.delay.sigma)));
    const withNps = rng.bernoulli(s.npsProbability);
    const withResolved = rng.bernoulli(s.resolvedProbability);
    // A survey answers at least one question: csat when nothing else was drawn.
    const withCsat = rng.bernoulli(s.csatProbability) || (!withNps && !withResolved);
    const scores = surveyScores(longWait, visit.resolvedTruth, rng.normal());
    const { call, queue, agent } = visit;
    const surveyId = this.builder.nextSurveyId();
    this.emitLater(at, () =>
      this.builder.survey(at, {
        tenantId: call.tenant.config.tenantId,
        surveyId,
        queueId: queue.spec.queueId,
        callId: call.callId,
        agentId: (agent as AgentRun).spec.agentId,
        csat: withCsat ? scores.csat : undefined,
        nps: withNps ? scores.nps : undefined,
        resolved: withResolved ? visit.resolvedTruth : undefined,
      }),
    );
  }

  // ---- agents ---------------------------------------------------------------------------------

  private publish(agent: AgentRun, state: AgentState, reason: string | undefined): void {
    agent.state = state;
    agent.reason = reason;
    this.out.push(
      this.builder.agentState(this.now, {
        tenantId: agent.tenant.config.tenantId,
        agentId: agent.spec.agentId,
        state,
        reason,
        // Every state carries the agent's skills, logged_out included, so a consumer can move the
        // agent between per-queue counts without remembering its previous event.
        queueIds: agent.spec.skills,
      }),
    );
  }

  /**
   * Brings an agent without a call to the state its shift, breaks and scenario holds ask for,
   * publishing it if it changed. An agent free for calls while one waits takes it in the same
   * instant and goes straight to ringing, never published `available` with a call waiting.
   */
  private settle(agent: AgentRun): void {
    if (agent.visit) return; // the call finishes first; wrap-up end calls settle again
    let state: AgentState;
    let reason: string | undefined;
    if (!agent.onShift) {
      state = 'logged_out';
      reason = 'end_of_shift';
    } else if (agent.heldFor !== undefined) {
      state = 'away';
      reason = agent.heldReason;
    } else {
      if (agent.onBreak === undefined && agent.breakDue) this.startBreak(agent, agent.breakDue.reason, agent.breakDue.durationMs);
      state = agent.onBreak === undefined ? 'available' : 'away';
      reason = agent.onBreak;
    }
    if (state === 'available') {
      const next = this.nextCallFor(agent);
      if (next) {
        removeFrom(next.queue.waiting, next);
        this.assign(agent, next);
        return;
      }
    }
    if (state !== agent.state || reason !== agent.reason) {
      if (state === 'available') agent.availableSince = this.now;
      this.publish(agent, state, reason);
    }
  }

  private startBreak(agent: AgentRun, reason: string, durationMs: number): void {
    agent.breakDue = undefined;
    agent.onBreak = reason;
    agent.breakEpoch += 1;
    this.calendar.schedule(this.now + durationMs, { kind: 'breakEnd', agent, epoch: agent.breakEpoch });
  }

  private onShiftStart(agent: AgentRun, shift: ShiftInstance): void {
    agent.onShift = true;
    agent.shiftEpoch += 1;
    const epoch = agent.shiftEpoch;
    this.calendar.schedule(shift.end, { kind: 'shiftEnd', agent, epoch });
    for (const brk of agent.spec.breaks) {
      const durationMs = Math.round(brk.durationMinutes * 60_000);
      const begin = Math.max(shift.start, shift.start + Math.round(brk.afterMinutes * 60_000) + agent.spec.breakOffsetMs);
      const finish = begin + durationMs;
      if (begin >= shift.end || finish <= this.now) continue; // outside the shift, or already taken
      if (begin <= this.now) agent.breakDue = { reason: brk.reason, durationMs: finish - this.now }; // logged in mid-break
      else this.calendar.schedule(begin, { kind: 'breakDue', agent, epoch, reason: brk.reason, durationMs });
    }
    this.settle(agent);
  }

  private onShiftEnd(agent: AgentRun, epoch: number): void {
    if (epoch !== agent.shiftEpoch) return;
    agent.breakDue = undefined;
    agent.onBreak = undefined;
    agent.breakEpoch += 1;
    const next = nextShift(agent.spec.shift, agent.tenant.config.timeZone, this.now);
    if (next && next.start <= this.now) {
      // Back-to-back shifts (a 24-hour rota): stay logged in rather than log out and in again.
      this.onShiftStart(agent, next);
      return;
    }
    agent.onShift = false;
    this.settle(agent); // logs out now, or after the current call
    if (next) this.calendar.schedule(next.start, { kind: 'shiftStart', agent, shift: next });
  }

  private onBreakDue(agent: AgentRun, epoch: number, reason: string, durationMs: number): void {
    if (epoch !== agent.shiftEpoch || !agent.onShift) return;
    // A break that falls due on a call starts after it, and lasts its full length from then.
    agent.breakDue = { reason, durationMs };
    this.settle(agent);
  }

  private onBreakEnd(agent: AgentRun, epoch: number): void {
    if (epoch !== agent.breakEpoch) return;
    agent.onBreak = undefined;
    this.settle(agent);
  }

  // ---- scenario -------------------------------------------------------------------------------

  private onScenario(step: ScenarioStep): void {
    const queue = this.queueOf(step);
    switch (step.action) {
      case 'setRateMultiplier':
        queue.multiplier = step.multiplier;
        queue.arrivalEpoch += 1;
        // Restarting the candidate stream is exact: Poisson gaps are memoryless.
        queue.candidateAt = this.now;
        this.scheduleNextCandidate(queue);
        return;
      case 'removeAgents': {
        // Idle agents first, so the effect shows at once; busy ones leave after their call.
        const candidates = queue.agents.filter((a) => a.onShift && a.heldFor === undefined);
        candidates.sort((a, b) => Number(this.isIdle(b)) - Number(this.isIdle(a)) || a.index - b.index);
        for (const agent of candidates.slice(0, step.count)) {
          agent.heldFor = queue.key;
          agent.heldReason = step.reason;
          this.settle(agent);
        }
        return;
      }
      case 'restoreAgents':
        for (const agent of queue.tenant.agents) {
          if (agent.heldFor !== queue.key) continue;
          agent.heldFor = undefined;
          agent.heldReason = undefined;
          this.settle(agent);
        }
        return;
    }
  }
}

function precedes(a: Visit, b: Visit): boolean {
  const pa = a.queue.spec.priority ?? 0;
  const pb = b.queue.spec.priority ?? 0;
  if (pa !== pb) return pa > pb;
  if (a.offeredAt !== b.offeredAt) return a.offeredAt < b.offeredAt;
  return a.seq < b.seq;
}

function removeFrom(list: Visit[], visit: Visit): void {
  const i = list.indexOf(visit);
  if (i >= 0) list.splice(i, 1);
}

function weightedOutcome(weights: Readonly<Record<ComplaintOutcome, number>>, u: number): ComplaintOutcome {
  const total = weights.resolved + weights.rejected + weights.withdrawn;
  const x = u * total;
  if (x < weights.resolved) return 'resolved';
  if (x < weights.resolved + weights.rejected) return 'rejected';
  return 'withdrawn';
}
