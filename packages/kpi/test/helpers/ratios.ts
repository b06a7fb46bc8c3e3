import type { KpiRatios } from '../../src/index.js';

/** The wave 2 part of the ratios of counters with no wave 2 traffic: zero outbound counts, every ratio null. */
export const NO_WAVE2 = {
  outbound: {
    attempts: 0,
    connected: 0,
    succeeded: 0,
    abandoned: 0,
    failed: { no_answer: 0, busy: 0, invalid_number: 0, rejected: 0, other: 0 },
    connectRate: null,
    successRate: null,
    avgRingMs: null,
    avgTalkMs: null,
  },
  avgFirstResponseMs: null,
  firstResponseWithinTarget: null,
  complaintsPer10k: null,
  complaintsPer10kSubscribers: null,
  complaintResponseOnTimeRate: null,
  csatRate: null,
  avgCsat: null,
  nps: null,
  surveyResolvedRate: null,
  fcrRepeatRate: null,
} satisfies Partial<KpiRatios>;

