/**
 * The subset of .gitignore rules .funcignore uses (the Functions tooling reads it with gitignore
 * semantics): comments, `!` negation, a trailing `/` for directories only, a leading or inner `/`
 * anchoring to the project root, `*`, `?` and `**`. A path under an ignored directory is ignored.
 */
interface Rule {
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

export function parseIgnore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const body = globToRegex(line);
    rules.push({ negate, dirOnly, regex: new RegExp(anchored ? `^${body}$` : `(^|/)${body}$`) });
  }
  return rules;
}

function matches(rules: readonly Rule[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const r of rules) if ((!r.dirOnly || isDir) && r.regex.test(path)) ignored = !r.negate;
  return ignored;
}

/** True when `file` (a project-relative path with `/`) stays out of the package. */
export function isIgnored(rules: readonly Rule[], file: string): boolean {
  const parts = file.split('/');
  for (let i = 1; i < parts.length; i++) if (matches(rules, parts.slice(0, i).join('/'), true)) return true;
  return matches(rules, file, false);
}
