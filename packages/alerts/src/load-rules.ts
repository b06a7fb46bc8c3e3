import { CallboardError } from '@callboard/errors';
import type { ZodError } from 'zod';
import { jsonErrorPosition } from './json-position.js';
import { type RulesFile, rulesFileSchema } from './rule.js';

/** One reason a rules file was refused: the field's path as written in the file, and why. */
export interface RuleIssue {
  /** E.g. `rules[2].clear`, `routes.pager.url`, or `(root)`. */
  path: string;
  message: string;
}

/** Formats a zod path the way people write it in JSON: `rules[2].scope.queue`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : /^[A-Za-z_$][\w$-]*$/.test(seg) ? (i === 0 ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`))
    .join('');
}

function issuesOf(error: ZodError): RuleIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * Validates an already-parsed rules file.
 *
 * @param input - the file's JSON value
 * @param source - names the file in messages, e.g. its path
 * @throws CallboardError `CB_RULES_INVALID` naming every bad field's path (`rules[2].clear: …`), with
 *   the list in `context.issues`
 */
export function parseRules(input: unknown, source = 'alert rules'): RulesFile {
  const parsed = rulesFileSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  const shown = issues.slice(0, 10).map((i) => `${i.path}: ${i.message}`);
  if (issues.length > shown.length) shown.push(`… and ${issues.length - shown.length} more`);
  throw new CallboardError('CB_RULES_INVALID', `${source}: ${shown.join('; ')}`, { source, issues });
}

/**
 * Parses and validates the text of a rules file, refusing it whole on the first problem found: a
 * partly loaded rules file would silently drop alerts.
 *
 * @param text - the file's contents
 * @param source - names the file in messages, e.g. its path
 * @throws CallboardError `CB_RULES_INVALID`: for a JSON syntax error the message starts
 *   `source:line:column` (also in `context.line` and `context.column`); for a validation error see {@link parseRules}
 */
export function loadRules(text: string, source = 'alert rules'): RulesFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const { line, column } = jsonErrorPosition(text, err);
    // V8 quotes the text around the error ('Unexpected token …, "…" is not valid JSON'), and that text
    // may be a route's credential (issue 8 item 4): keep the reason, drop the quote, and do not chain
    // the original error, whose message loggers print too.
    const reason = (err as Error).message.replace(/,\s*(?:\.\.\.)?".*"(?:\.\.\.)?\s+is not valid JSON$/s, '').replace(/^Unexpected token '.*?'/s, 'Unexpected token');
    throw new CallboardError('CB_RULES_INVALID', `${source}:${line}:${column}: not valid JSON (${reason})`, { source, line, column });
  }
  return parseRules(json, source);
}
