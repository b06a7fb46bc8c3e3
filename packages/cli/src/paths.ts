import { fileURLToPath } from 'node:url';

/** The repository root, for the commands that drive `infra/local`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const INFRA_SCRIPT = fileURLToPath(new URL('../../../infra/local/cb-infra', import.meta.url));
