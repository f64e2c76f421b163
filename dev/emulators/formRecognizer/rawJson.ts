/**
 * A small JSON parser that keeps the source text of every number literal.
 *
 * `JSON.parse` rounds .NET ticks such as 637233481531659440 (> Number.MAX_SAFE_INTEGER);
 * the emulator must compare what a client sends back with what it issued byte-for-byte,
 * so request bodies are parsed here instead.
 */

export type RawJson =
  | { type: 'object'; entries: Map<string, RawJson> }
  | { type: 'array'; items: RawJson[] }
  | { type: 'string'; value: string }
  | { type: 'number'; raw: string; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export class RawJsonError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'RawJsonError';
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseRawJson(text: string): RawJson {
  let pos = 0;

  const skipWs = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };

  const expect = (ch: string): void => {
    if (text[pos] !== ch) throw new RawJsonError(`expected '${ch}'`, pos);
    pos++;
  };

  const parseString = (): string => {
    const start = pos;
    expect('"');
    // Find the closing quote, honouring escapes, then let JSON.parse decode the literal.
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\') pos++;
      pos++;
    }
    expect('"');
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      throw new RawJsonError('invalid string literal', start);
    }
  };

  const parseValue = (): RawJson => {
    skipWs();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const entries = new Map<string, RawJson>();
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return { type: 'object', entries };
      }
      for (;;) {
        skipWs();
        const key = parseString();
        skipWs();
        expect(':');
        entries.set(key, parseValue());
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect('}');
        return { type: 'object', entries };
      }
    }
    if (ch === '[') {
      pos++;
      const items: RawJson[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return { type: 'array', items };
      }
      for (;;) {
        items.push(parseValue());
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect(']');
        return { type: 'array', items };
      }
    }
    if (ch === '"') return { type: 'string', value: parseString() };
    if (text.startsWith('true', pos)) {
      pos += 4;
      return { type: 'boolean', value: true };
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return { type: 'boolean', value: false };
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return { type: 'null' };
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos += m[0].length;
      return { type: 'number', raw: m[0], value: Number(m[0]) };
    }
    throw new RawJsonError('unexpected token', pos);
  };

  const value = parseValue();
  skipWs();
  if (pos !== text.length) throw new RawJsonError('unexpected trailing text', pos);
  return value;
}

/**
 * Member lookup on a parsed object (undefined for non-objects). Exact name first, then
 * case-insensitive, like the service's .NET model binding.
 */
export function member(value: RawJson | undefined, name: string): RawJson | undefined {
  if (value?.type !== 'object') return undefined;
  const exact = value.entries.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of value.entries) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function stringMember(value: RawJson | undefined, name: string): string | undefined {
  const m = member(value, name);
  return m?.type === 'string' ? m.value : undefined;
}
