import type { BreakConfig, ShiftConfig, TenantConfig } from './config.js';
import { generatedAgentId } from './ids.js';

/** One agent of the roster, after groups are expanded. */
export interface AgentSpec {
  agentId: string;
  tenantId: string;
  /** Queue ids, in the order the agent's `queueIds` are reported. */
  skills: readonly string[];
  shift: ShiftConfig;
  breaks: readonly BreakConfig[];
  /** Added to every break start, so a group's breaks are spread out instead of simultaneous. */
  breakOffsetMs: number;
}

/**
 * Expands a tenant's agent groups and explicit agents into one roster. Generated agents are
 * numbered from 1 across the groups in file order, the same rule the config validator checks ids with.
 */
export function expandAgents(tenant: TenantConfig): AgentSpec[] {
  const roster: AgentSpec[] = [];
  let n = 0;
  for (const group of tenant.agentGroups) {
    const staggerMs = group.breakStaggerMinutes * 60_000;
    for (let i = 0; i < group.count; i += 1) {
      n += 1;
      roster.push({
        agentId: generatedAgentId(tenant.tenantId, n),
        tenantId: tenant.tenantId,
        skills: group.skills,
        shift: group.shift,
        breaks: group.breaks,
        // Evenly spread over the stagger window, centred on the configured break time.
        breakOffsetMs: Math.round(((i + 0.5) / group.count - 0.5) * staggerMs),
      });
    }
  }
  for (const agent of tenant.agents) {
    roster.push({ agentId: agent.agentId, tenantId: tenant.tenantId, skills: agent.skills, shift: agent.shift, breaks: agent.breaks, breakOffsetMs: 0 });
  }
  return roster;
}
