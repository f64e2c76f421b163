// Parses Bicep files with tree-sitter-bicep (web-tree-sitter) and prints, per file, a JSON
// summary: syntax problems (ERROR / MISSING nodes), parameters, resources and every string
// literal (multi-line strings without their ''' delimiters). Run as a child process by jest
// tests: web-tree-sitter loads its wasm with a dynamic import that jest's CommonJS runtime
// does not support.  Usage: node test/support/parseBicep.mjs <file.bicep>...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
await Parser.init();
const language = await Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
const parser = new Parser();
parser.setLanguage(language);

const out = {};
for (const file of process.argv.slice(2)) {
  const tree = parser.parse(readFileSync(file, 'utf8'));
  const problems = [];
  const strings = [];
  const params = [];
  const resources = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing)
      problems.push({ type: node.isMissing ? `MISSING ${node.type}` : 'ERROR', row: node.startPosition.row + 1 });
    if (node.type === 'string') {
      const t = node.text;
      strings.push(t.startsWith("'''") ? t.slice(3, -3) : t.slice(1, -1));
    }
    if (node.type === 'parameter_declaration') {
      const name = node.namedChildren.find((c) => c.type === 'identifier');
      if (name) params.push(name.text);
    }
    if (node.type === 'resource_declaration') {
      const name = node.namedChildren.find((c) => c.type === 'identifier');
      const type = node.namedChildren.find((c) => c.type === 'string');
      resources.push({ name: name?.text, type: type?.text.slice(1, -1) });
    }
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  out[file] = { hasError: tree.rootNode.hasError, problems, params, resources, strings };
  tree.delete();
}
process.stdout.write(JSON.stringify(out));
