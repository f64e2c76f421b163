/**
 * Offline Bicep checks: parse with the tree-sitter Bicep grammar (web-tree-sitter runs its .wasm,
 * no native build, no .NET compiler) and evaluate the small expression subset the templates use,
 * so a test can see the values a deployment would write.
 *
 * The evaluator follows ARM template semantics for what it supports (union, empty, string, map,
 * filter, toObject, …) and throws on anything else, so a template change it cannot follow fails
 * the test instead of being skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

export type BicepNode = Node;
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Lambda;
export interface Lambda {
  kind: 'lambda';
  params: string[];
  body: BicepNode;
  scope: Scope;
}
export type Scope = ReadonlyMap<string, Value>;

let parser: Parser | undefined;

export async function bicepParser(root: string): Promise<Parser> {
  if (parser) return parser;
  await Parser.init();
  // Bytes, not a path: Language.load(path) reaches fs through a dynamic import jest's CommonJS runtime refuses.
  const wasm = readFileSync(join(root, 'node_modules/tree-sitter-bicep/tree-sitter-bicep.wasm'));
  const language = await Language.load(new Uint8Array(wasm));
  const p = new Parser();
  p.setLanguage(language);
  parser = p;
  return p;
}

/** ERROR and MISSING nodes of a tree, as "row:col text" (1-based rows). */
export function syntaxProblems(node: BicepNode): string[] {
  const out: string[] = [];
  const walk = (n: BicepNode): void => {
    if (n.isError || n.isMissing)
      out.push(`${n.isMissing ? 'MISSING' : 'ERROR'} ${n.startPosition.row + 1}:${n.startPosition.column} ${n.text}`);
    for (const c of n.children) if (c) walk(c);
  };
  walk(node);
  return out;
}

export function named(n: BicepNode): BicepNode[] {
  return n.namedChildren.filter((c): c is BicepNode => c !== null && c.type !== 'comment');
}

export function descendants(n: BicepNode, type: string): BicepNode[] {
  const out: BicepNode[] = [];
  const walk = (m: BicepNode): void => {
    if (m.type === type) out.push(m);
    for (const c of m.children) if (c) walk(c);
  };
  walk(n);
  return out;
}

export interface Declaration {
  kind: 'param' | 'var' | 'resource' | 'module' | 'output';
  name: string;
  node: BicepNode;
  /** Resource type string or module path. */
  target?: string;
  /** param: its default; var: its value; resource/module: the body object (inside `if` / `for`). */
  value?: BicepNode;
  /** resource/module: the loop (`for x in …`), when there is one. */
  loop?: { item: string; index?: string; over: BicepNode };
}

const KINDS: Record<string, Declaration['kind']> = {
  parameter_declaration: 'param',
  variable_declaration: 'var',
  resource_declaration: 'resource',
  module_declaration: 'module',
  output_declaration: 'output',
};

export function declarations(root: BicepNode): Declaration[] {
  const out: Declaration[] = [];
  for (const n of named(root)) {
    const kind = KINDS[n.type];
    if (!kind) continue;
    const parts = named(n).filter((c) => c.type !== 'decorators' && c.type !== 'decorator');
    const name = parts[0].text;
    const d: Declaration = { kind, name, node: n };
    if (kind === 'resource' || kind === 'module') {
      d.target = stringLiteral(parts[1]);
      let body = parts[parts.length - 1];
      if (body.type === 'for_statement') {
        // [for x in xs: {…}] or [for (x, i) in xs: {…}]
        const [init, over] = named(body);
        const loopBody = body.childForFieldName('body')!;
        const ids = init.type === 'for_loop_parameters' ? named(init).map((x) => x.text) : [init.text];
        d.loop = { item: ids[0], index: ids[1], over };
        body = loopBody;
      }
      if (body.type === 'if_statement') body = named(body)[named(body).length - 1];
      d.value = body;
    } else if (kind === 'param') {
      // param <name> <type> [= default]
      const eq = n.children.findIndex((c) => c?.type === '=');
      d.value = eq >= 0 ? n.children[eq + 1]! : undefined;
    } else if (kind === 'var') {
      d.value = parts[parts.length - 1];
    }
    out.push(d);
  }
  return out;
}

export function stringLiteral(n: BicepNode): string {
  if (n.type !== 'string' || descendants(n, 'interpolation').length > 0)
    throw new Error(`expected a plain string, got ${n.type} ${n.text}`);
  return named(n)
    .map((c) => (c.type === 'escape_sequence' ? unescape(c.text) : c.text))
    .join('');
}

function unescape(seq: string): string {
  const map: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };
  const v = map[seq];
  if (v === undefined) throw new Error(`unsupported escape ${seq}`);
  return v;
}

/** The properties of an object node, by key. */
export function objectProperties(n: BicepNode): Map<string, BicepNode> {
  if (n.type !== 'object') throw new Error(`expected an object, got ${n.type}: ${n.text.slice(0, 80)}`);
  const out = new Map<string, BicepNode>();
  for (const p of named(n)) {
    if (p.type !== 'object_property') continue;
    const [key, value] = named(p);
    out.set(key.type === 'string' ? stringLiteral(key) : key.text, value);
  }
  return out;
}

/** A property path in an object node: prop(obj, 'properties', 'principalId'). */
export function prop(n: BicepNode, ...path: string[]): BicepNode | undefined {
  let cur: BicepNode | undefined = n;
  for (const key of path) {
    if (!cur || cur.type !== 'object') return undefined;
    cur = objectProperties(cur).get(key);
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export type Builtin = (args: Value[]) => Value;

function isObject(v: Value): v is { [key: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('kind' in v && v.kind === 'lambda');
}

function call(fn: Value, args: Value[]): Value {
  if (typeof fn !== 'object' || fn === null || Array.isArray(fn) || fn.kind !== 'lambda')
    throw new Error('not a lambda');
  const lambda = fn as Lambda;
  const scope = new Map(lambda.scope);
  lambda.params.forEach((p, i) => scope.set(p, args[i]));
  return evaluate(lambda.body, scope);
}

const BUILTINS: Record<string, Builtin> = {
  union: (args) => {
    if (args.every(isObject)) return Object.assign({}, ...(args as object[])) as Value;
    if (args.every(Array.isArray)) return [...new Set((args as Value[][]).flat())];
    throw new Error('union of mixed types');
  },
  concat: (args) => (args.every(Array.isArray) ? (args as Value[][]).flat() : args.map(String).join('')),
  empty: ([v]) =>
    v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0),
  // ARM string(): objects and arrays as compact JSON.
  string: ([v]) => (typeof v === 'string' ? v : JSON.stringify(v)),
  json: ([v]) => JSON.parse(String(v)) as Value,
  int: ([v]) => {
    const n = typeof v === 'number' ? v : /^[+-]?\d+$/.test(String(v).trim()) ? Number(String(v).trim()) : NaN;
    if (!Number.isSafeInteger(n)) throw new Error(`int(): not an integer: ${String(v)}`);
    return n;
  },
  replace: ([v, from, to]) => String(v).split(String(from)).join(String(to)),
  contains: ([container, item]) => {
    if (Array.isArray(container)) return container.some((x) => JSON.stringify(x) === JSON.stringify(item));
    if (isObject(container)) return String(item) in container;
    return String(container).includes(String(item));
  },
  // ARM's fail(): the deployment stops with this message (only reached in the chosen branch of ?: / ??).
  fail: ([message]) => {
    throw new BicepFail(String(message));
  },
  toUpper: ([v]) => String(v).toUpperCase(),
  toLower: ([v]) => String(v).toLowerCase(),
  split: ([v, sep]) => String(v).split(String(sep)),
  last: ([v]) => (Array.isArray(v) ? v[v.length - 1] : String(v).slice(-1)),
  take: ([v, n]) => (Array.isArray(v) ? v.slice(0, Number(n)) : String(v).slice(0, Number(n))),
  flatten: ([v]) => (v as Value[][]).flat(),
  map: ([arr, fn]) => (arr as Value[]).map((x, i) => call(fn, [x, i])),
  filter: ([arr, fn]) => (arr as Value[]).filter((x, i) => call(fn, [x, i]) === true),
  toObject: ([arr, keyFn, valueFn]) =>
    Object.fromEntries((arr as Value[]).map((x) => [String(call(keyFn, [x])), valueFn ? call(valueFn, [x]) : x])),
};

/** A template's own refusal (its `fail('…')`), as the deployment would report it. */
export class BicepFail extends Error {}

export function evaluate(n: BicepNode, scope: Scope, builtins: Record<string, Builtin> = {}): Value {
  const ev = (m: BicepNode, s: Scope = scope): Value => evaluate(m, s, builtins);
  switch (n.type) {
    case 'string':
      // The grammar gives a whitespace-only literal (' ') no string_content: its text is the value.
      if (named(n).length === 0) return n.text.slice(1, -1);
      return named(n)
        .map((c) => {
          if (c.type === 'string_content') return c.text;
          if (c.type === 'escape_sequence') return unescape(c.text);
          if (c.type === 'interpolation') {
            const v = ev(named(c)[0]);
            return typeof v === 'string' ? v : JSON.stringify(v);
          }
          throw new Error(`unsupported string part ${c.type}`);
        })
        .join('');
    case 'number':
      return Number(n.text);
    case 'boolean':
      return n.text === 'true';
    case 'null':
      return null;
    case 'identifier': {
      if (!scope.has(n.text)) throw new Error(`unknown symbol ${n.text}`);
      return scope.get(n.text)!;
    }
    case 'parenthesized_expression':
      return ev(named(n)[0]);
    case 'object': {
      const out: Record<string, Value> = {};
      for (const [k, v] of objectProperties(n)) out[k] = ev(v);
      return out;
    }
    case 'array':
      return named(n).map((c) => ev(c));
    case 'ternary_expression':
      return ev(n.childForFieldName('condition')!) === true
        ? ev(n.childForFieldName('consequence')!)
        : ev(n.childForFieldName('alternative')!);
    case 'unary_expression': {
      const op = n.children[0]!.text;
      const v = ev(named(n)[0]);
      if (op === '!') return !v;
      if (op === '-') return -Number(v);
      throw new Error(`unsupported unary ${op}`);
    }
    case 'binary_expression': {
      const op = n.childForFieldName('operator')!.text;
      const left = ev(n.childForFieldName('left')!);
      if (op === '??') return left ?? ev(n.childForFieldName('right')!);
      if (op === '&&') return left === true && ev(n.childForFieldName('right')!) === true;
      if (op === '||') return left === true || ev(n.childForFieldName('right')!) === true;
      const right = ev(n.childForFieldName('right')!);
      if (op === '==') return JSON.stringify(left) === JSON.stringify(right);
      if (op === '!=') return JSON.stringify(left) !== JSON.stringify(right);
      throw new Error(`unsupported operator ${op}`);
    }
    case 'member_expression': {
      const obj = ev(n.childForFieldName('object')!);
      const key = n.childForFieldName('property')!.text;
      const safe = n.children.some((c) => c?.type === '.?');
      if (obj === null && safe) return null;
      if (!isObject(obj)) throw new Error(`${n.text}: not an object`);
      if (!(key in obj)) {
        if (safe) return null;
        throw new Error(`${n.text}: no property ${key}`);
      }
      return obj[key];
    }
    case 'subscript_expression': {
      const [objNode, indexNode] = named(n);
      const obj = ev(objNode);
      const index = ev(indexNode);
      if (Array.isArray(obj)) return obj[Number(index)];
      if (isObject(obj)) return obj[String(index)];
      throw new Error(`${n.text}: not indexable`);
    }
    case 'lambda_expression': {
      const kids = named(n);
      const body = kids[kids.length - 1];
      const params = kids
        .slice(0, -1)
        .flatMap((k) => (k.type === 'identifier' ? [k.text] : named(k).map((x) => x.text)));
      return { kind: 'lambda', params, body, scope };
    }
    case 'call_expression': {
      const fnName = n.childForFieldName('function')!.text;
      const args = named(n.childForFieldName('arguments')!).map((a) => ev(a));
      const fn = builtins[fnName] ?? BUILTINS[fnName];
      if (!fn) throw new Error(`unsupported function ${fnName}()`);
      return fn(args);
    }
    default:
      throw new Error(`unsupported expression ${n.type}: ${n.text.slice(0, 80)}`);
  }
}

/**
 * Evaluates a file's params (given values, else defaults) and vars in order. `symbols` supplies
 * resources and modules (`storage.properties…`, `identity.outputs…`) as ARM would return them.
 */
export function evaluateFile(
  decls: readonly Declaration[],
  params: Record<string, Value>,
  symbols: Record<string, Value>,
  builtins: Record<string, Builtin> = {},
): Map<string, Value> {
  const scope = new Map<string, Value>(Object.entries(symbols));
  for (const d of decls) {
    if (d.kind !== 'param') continue;
    if (d.name in params) scope.set(d.name, params[d.name]);
    else if (d.value) scope.set(d.name, evaluate(d.value, scope, builtins));
    else throw new Error(`param ${d.name} has no default and no value`);
  }
  for (const d of decls) if (d.kind === 'var') scope.set(d.name, evaluate(d.value!, scope, builtins));
  return scope;
}
