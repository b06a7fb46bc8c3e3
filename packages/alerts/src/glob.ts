const cache = new Map<string, RegExp>();

/**
 * Shell-style matching of a whole identifier: `*` is any run of characters (empty too), `?` exactly
 * one; everything else is literal. Identifiers are `[A-Za-z0-9_.-]`, so no escape syntax is needed.
 *
 * @param pattern - e.g. `'acme'`, `'sales-*'`, `'q?'`, `'*'`
 * @param value - a tenant, queue or rule id
 */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    // Patterns come from a few config files; the cap only guards against a caller looping over user input.
    if (cache.size < 1000) cache.set(pattern, re);
  }
  return re.test(value);
}
