import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CallboardError } from '@callboard/errors';
import type { CliContext } from './context.js';

export interface Command {
  name: string;
  summary: string;
  /** Full help text, printed by `--help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], ctx: () => CliContext): Promise<number>;
}

/** `util.parseArgs` with errors turned into usage errors that name the command. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new CallboardError('CB_USAGE', `${command}: ${(err as Error).message}`, { cause: err });
  }
}

export function requireString(command: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new CallboardError('CB_USAGE', `${command}: --${name} is required`);
  return value;
}

/** A required option naming a file that exists, as a usage error (exit 2) when it does not. */
export function requireFile(command: string, name: string, value: unknown): string {
  const path = requireString(command, name, value);
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw new CallboardError('CB_USAGE', `${command}: --${name} ${path}: no such file`);
  return path;
}

/** A finite number option, with bounds; the message names the option. */
export function numberOption(command: string, name: string, value: unknown, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const bad =
    typeof value !== 'string' ||
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (bounds.integer === true && !Number.isInteger(n)) ||
    (bounds.min !== undefined && n < bounds.min) ||
    (bounds.max !== undefined && n > bounds.max);
  if (bad) {
    const range = `${bounds.min ?? '-∞'}..${bounds.max ?? '∞'}`;
    throw new CallboardError('CB_USAGE', `${command}: --${name} must be ${bounds.integer ? 'an integer' : 'a number'} in ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function isoOption(command: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new CallboardError('CB_USAGE', `${command}: --${name} must be an ISO-8601 instant, got ${JSON.stringify(value)}`);
  return ms;
}
