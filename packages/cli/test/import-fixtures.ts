import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The hand-made queue_log of the import tests. */
export const EDGE = fileURLToPath(new URL('../../../test/helpers/fixtures/asterisk-import/edge-cases.queue_log', import.meta.url));
/** packages/ingest-asterisk, whose fixtures and sample every import test reads too. */
export const MAPPER_DIR = fileURLToPath(new URL('../../ingest-asterisk/', import.meta.url));

/** Files under `root` whose name says queue_log (fixtures and samples of the mapping package). */
export function queueLogsUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile() && /queue_log/i.test(entry.name)) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}
