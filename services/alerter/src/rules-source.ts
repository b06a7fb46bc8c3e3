import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { loadRules, type RulesFile, ruleWarnings } from '@callboard/alerts';
import type { Logger } from '@callboard/runtime';
import type { AlerterMetrics } from './metrics.js';

/**
 * The rules file, validated and hot-reloaded. A file that fails validation is refused with a message
 * naming the line or field, and the last good rules stay active.
 */
export class RulesSource {
  private current: RulesFile;
  private lastError: string | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly metrics: AlerterMetrics,
    knownQueues: () => { tenantId: string; queueId: string }[] = () => [],
  ) {
    // At start a bad file is fatal: there are no last good rules to keep.
    this.current = loadRules(readFileSync(path, 'utf8'), path);
    for (const w of ruleWarnings(this.current.rules, knownQueues())) logger.warn({ warning: w }, 'alert rule warning');
  }

  get rules(): RulesFile {
    return this.current;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  /** Re-reads the file; returns whether the new rules were taken. */
  reload(): boolean {
    try {
      this.current = loadRules(readFileSync(this.path, 'utf8'), this.path);
      this.lastError = undefined;
      this.metrics.rulesReloads.inc({ result: 'ok' });
      this.logger.info({ path: this.path, rules: this.current.rules.length }, 'alert rules reloaded');
      return true;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.metrics.rulesReloads.inc({ result: 'refused' });
      this.logger.error({ path: this.path, err }, 'alert rules file refused; the last good rules stay active');
      return false;
    }
  }

  /** Polls the file (robust across editors that replace files) and reloads on change. */
  watch(intervalMs = 1000): () => void {
    const listener = (curr: { mtimeMs: number; size: number }, prev: { mtimeMs: number; size: number }): void => {
      if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size) this.reload();
    };
    watchFile(this.path, { interval: intervalMs }, listener);
    return () => unwatchFile(this.path, listener);
  }
}
