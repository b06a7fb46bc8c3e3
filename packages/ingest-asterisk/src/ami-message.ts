/**
 * Parses one AMI message, the `Key: Value` lines of one block (`\r\n` or `\n` line ends; the empty line that ends the
 * block may be there or not). A line without `: ` is ignored (AMI's `Output:` continuation of command responses has
 * its own key); a repeated key keeps its first value, except `ChanVariable`-style repeats, which AMI events of the
 * queue family do not have. Keys keep their case as Asterisk writes them (`Uniqueid`, `HoldTime`).
 */
export function parseAmiMessage(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (key.length === 0 || Object.hasOwn(out, key)) continue;
    out[key] = line.slice(colon + 1).replace(/^ /, '');
  }
  return out;
}
