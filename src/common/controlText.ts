/**
 * The one sanitizer for text a person reads: the terminal (`npm run local`), the dashboard
 * page and the text tables. Service-controlled text (error messages, codes, model names,
 * descriptions) may hold control characters that a terminal obeys — an OSC sequence sets the
 * window title or writes the clipboard (OSC 52), a CSI sequence erases lines or paints a line
 * green, a carriage return overwrites what was printed — or bidi overrides that make text
 * read differently than it is. Every such character is shown as a visible escape instead
 * (`\x1b`, `\u202e`), so nothing is executed and the tampering stays visible:
 *
 * - C0 controls (U+0000–U+001F) except tab and (unless `singleLine`) line feed, DEL, and the
 *   C1 controls (U+0080–U+009F, which include the 8-bit CSI and OSC);
 * - bidi controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), marks
 *   (U+200E, U+200F, U+061C); the line and paragraph separators (U+2028, U+2029).
 *
 * {@link escapeControls} is used by the terminal's writers; the page gets the same pattern
 * and the same replacement as {@link ESCAPE_CONTROLS_JS} (its script cannot import modules;
 * a unit test holds the two equal).
 */

/** The characters that are escaped (a character class; line feed and tab are added to it for `singleLine`). */
export const CONTROL_CHARACTERS =
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';

const MULTI_LINE = new RegExp(`[${CONTROL_CHARACTERS}]`, 'g');
const SINGLE_LINE = new RegExp(`[\\t\\n${CONTROL_CHARACTERS}]`, 'g');

function visible(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control, escape and bidi character shown as a visible escape. Line feeds
 * and tabs are kept unless `singleLine` (a value inside one line: a service message, a cell).
 */
export function escapeControls(text: string, opts: { singleLine?: boolean } = {}): string {
  return text.replace(opts.singleLine ? SINGLE_LINE : MULTI_LINE, visible);
}

/** True when `text` holds a character {@link escapeControls} would escape (line feed and tab allowed). */
export function hasControls(text: string): boolean {
  MULTI_LINE.lastIndex = 0;
  return MULTI_LINE.test(text);
}

/**
 * A JSON text (from `JSON.stringify`, which escapes C0 but not C1 or bidi characters) with
 * every remaining control character as a JSON `\uXXXX` escape: the same value, safe to print.
 */
export function escapeControlsInJson(json: string): string {
  return json.replace(MULTI_LINE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * {@link escapeControls} (multi-line) as browser JavaScript, an expression: a function of one
 * value (any: it is made a string) for the dashboard's inline script. ES5, no backtick, no
 * dollar-brace (the page's script is a template literal).
 */
export const ESCAPE_CONTROLS_JS =
  `(function () { var re = new RegExp(${JSON.stringify(`[${CONTROL_CHARACTERS}]`)}, 'g'); ` +
  `return function (s) { return String(s).replace(re, function (c) { var n = c.charCodeAt(0); ` +
  `return n < 256 ? '\\\\x' + ('0' + n.toString(16)).slice(-2) : '\\\\u' + ('000' + n.toString(16)).slice(-4); }); }; })()`;
