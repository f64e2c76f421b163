/**
 * A tiny scanner over JSON text that returns the *raw source text* of each member of a
 * top-level object, without converting numbers. Used to read `expirationDateTimeTicks`
 * (18-digit .NET ticks overflow `Number`) and to check that a copy authorization can be
 * spliced verbatim into a request body.
 */

const WS = new Set([' ', '\t', '\n', '\r']);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text[i] as string)) i++;
  return i;
}

/** Index just past the JSON string that starts at `i` (which must be a quote). */
function skipString(text: string, i: number): number {
  if (text[i] !== '"') throw new SyntaxError(`expected a string at ${i}`);
  i++;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  throw new SyntaxError('unterminated string');
}

/** Index just past the JSON value that starts at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unterminated container');
  }
  // number, true, false, null
  let j = i;
  while (j < text.length && !WS.has(text[j] as string) && text[j] !== ',' && text[j] !== '}' && text[j] !== ']') j++;
  if (j === i) throw new SyntaxError(`expected a value at ${i}`);
  return j;
}

/**
 * Raw text of every member of the top-level JSON object in `text`, keyed by the decoded
 * member name. Throws `SyntaxError` if `text` is not valid JSON or not an object.
 */
export function topLevelRawMembers(text: string): Map<string, string> {
  JSON.parse(text); // full validation; the scanner below only needs to find boundaries
  const out = new Map<string, string>();
  let i = skipWs(text, 0);
  if (text[i] !== '{') throw new SyntaxError('not a JSON object');
  i = skipWs(text, i + 1);
  if (text[i] === '}') return out;
  for (;;) {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text[i] !== ':') throw new SyntaxError(`expected ':' at ${i}`);
    i = skipWs(text, i + 1);
    const valueEnd = skipValue(text, i);
    out.set(key, text.slice(i, valueEnd));
    i = skipWs(text, valueEnd);
    if (text[i] === ',') {
      i = skipWs(text, i + 1);
      continue;
    }
    if (text[i] === '}') return out;
    throw new SyntaxError(`expected ',' or '}' at ${i}`);
  }
}
