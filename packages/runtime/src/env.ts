/**
 * The only place callboard reads `process.env`. Configuration is parsed from this snapshot once,
 * at start, by each service's `config.ts`.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export function readEnv(): Env {
  return Object.freeze({ ...process.env });
}
