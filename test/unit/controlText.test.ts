/** The one text sanitizer (issue 25 item 2): the terminal's and the page's versions agree. */
import { ESCAPE_CONTROLS_JS, escapeControls, escapeControlsInJson, hasControls } from '../../src/common/controlText';
import { DASHBOARD_SCRIPT } from '../../src/http/dashboard/script';

const pageSafe = new Function(`return ${ESCAPE_CONTROLS_JS};`)() as (s: unknown) => string;

const HOSTILE = [
  ['OSC 0 title', '\x1b]0;title\x07', '\\x1b]0;title\\x07'],
  ['OSC 52 clipboard', '\x1b]52;c;Y3VybA==\x1b\\', '\\x1b]52;c;Y3VybA==\\x1b\\'],
  ['CSI erase line after CR', '\r\x1b[2K', '\\x0d\\x1b[2K'],
  ['8-bit CSI (C1)', '\u009b2K', '\\x9b2K'],
  ['bidi override and isolate', '\u202eabc\u2066', '\\u202eabc\\u2066'],
  ['NUL, DEL, line separator', '\u0000\u007f\u2028', '\\x00\\x7f\\u2028'],
] as const;

describe('escapeControls', () => {
  it.each(HOSTILE)('%s is shown escaped, the same on the page', (_name, raw, shown) => {
    expect(escapeControls(`a${raw}b`)).toBe(`a${shown}b`);
    expect(pageSafe(`a${raw}b`)).toBe(`a${shown}b`);
    expect(hasControls(raw)).toBe(true);
  });

  it('keeps text, tabs and line feeds; a single line escapes those too', () => {
    const text = 'Modèle «facture» ✓ 日本語\tok\nnext';
    expect(escapeControls(text)).toBe(text);
    expect(pageSafe(text)).toBe(text);
    expect(hasControls(text)).toBe(false);
    expect(escapeControls('a\nb\tc', { singleLine: true })).toBe('a\\x0ab\\x09c');
  });

  it('JSON keeps the value and prints no control character', () => {
    const value = { m: 'x\u009by\u202ez\x1b' };
    const json = escapeControlsInJson(JSON.stringify(value));
    expect(hasControls(json)).toBe(false);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('the dashboard script carries the sanitizer and sends every text through it', () => {
    expect(DASHBOARD_SCRIPT).toContain(ESCAPE_CONTROLS_JS);
    expect(DASHBOARD_SCRIPT).not.toMatch(/\.textContent = (?!safe\(|'';)/);
    expect(DASHBOARD_SCRIPT).toContain('createTextNode(safe(c))');
  });
});
