/** Where in a text a JSON syntax error is: a 0-based offset and 1-based line and column. */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
}

/**
 * Locates the JSON syntax error that `JSON.parse(text)` threw, so a person editing a rules file is
 * told the line and column. V8 puts "at position N" in most messages but not all (Node 20 says
 * "Unexpected token '}', ... is not valid JSON" with no position), so when the message has none the
 * offset is found by a small scanner that follows the JSON grammar.
 *
 * @param text - the text that failed to parse
 * @param error - what `JSON.parse` threw
 */
export function jsonErrorPosition(text: string, error: unknown): JsonErrorPosition {
  const message = error instanceof Error ? error.message : '';
  const match = /at position (\d+)/.exec(message);
  const offset = match?.[1] !== undefined ? Number(match[1]) : /end of JSON input/.test(message) ? text.length : (firstJsonError(text) ?? text.length);
  return { offset, ...lineColumn(text, offset) };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

class Stop {
  constructor(readonly at: number) {}
}

/**
 * The offset of the first character that breaks the JSON grammar (RFC 8259), or `undefined` when
 * the text is valid JSON. Exported for its tests; callers want {@link jsonErrorPosition}.
 */
export function firstJsonError(text: string): number | undefined {
  let i = 0;
  const fail = (at: number): never => {
    throw new Stop(at);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i += 1;
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text.charAt(i))) fail(i);
    while (/[0-9]/.test(text.charAt(i))) i += 1;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text.charAt(i) !== ch) fail(i);
      i += 1;
    }
  };
  const string = (): void => {
    i += 1;
    for (;;) {
      if (i >= text.length) fail(i);
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i += 1;
        return;
      }
      if (ch < 0x20) fail(i);
      if (ch === 0x5c) {
        const esc = text.charAt(i + 1);
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i + 2);
          i += 6;
        } else if ('"\\/bfnrt'.includes(esc) && esc !== '') {
          i += 2;
        } else {
          fail(i + 1);
        }
      } else {
        i += 1;
      }
    }
  };
  const number = (): void => {
    if (text.charAt(i) === '-') i += 1;
    if (text.charAt(i) === '0') i += 1;
    else digits();
    if (text.charAt(i) === '.') {
      i += 1;
      digits();
    }
    if (/[eE]/.test(text.charAt(i))) {
      i += 1;
      if (/[+-]/.test(text.charAt(i))) i += 1;
      digits();
    }
  };
  const value = (): void => {
    ws();
    const ch = text.charAt(i);
    if (ch === '{') {
      i += 1;
      ws();
      if (text.charAt(i) === '}') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        if (text.charAt(i) !== '"') fail(i);
        string();
        ws();
        if (text.charAt(i) !== ':') fail(i);
        i += 1;
        value();
        ws();
        if (text.charAt(i) === ',') i += 1;
        else if (text.charAt(i) === '}') {
          i += 1;
          return;
        } else fail(i);
      }
    } else if (ch === '[') {
      i += 1;
      ws();
      if (text.charAt(i) === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text.charAt(i) === ',') i += 1;
        else if (text.charAt(i) === ']') {
          i += 1;
          return;
        } else fail(i);
      }
    } else if (ch === '"') string();
    else if (ch === '-' || /[0-9]/.test(ch)) number();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else fail(i);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(i);
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return err.at;
    throw err;
  }
}
