import { DEFAULT_CONFIG_PATH, loadSimulatorConfig, simulate } from '@callboard/simulator';
const loaded = await loadSimulatorConfig(DEFAULT_CONFIG_PATH);
const config = { ...loaded, tenants: loaded.tenants.map((t) => ({ ...t, profile: 'flat' as const })) };
const t0 = performance.now();
let n = 0; const types = new Map<string, number>(); const queues = new Map<string, number>();
for (const e of simulate({ config, seed: 1, start: Date.parse('2025-01-01T00:00:00Z'), durationMs: 24 * 3600_000 })) {
  n++; types.set(e.type, (types.get(e.type) ?? 0) + 1);
  const q = `${e.tenantId}/${(e as any).queueId ?? 'agent'}`; queues.set(q, (queues.get(q) ?? 0) + 1);
}
console.log(n, (performance.now() - t0).toFixed(0), 'ms', types, queues);
