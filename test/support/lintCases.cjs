// Runs ESLint with the project's config over code snippets given on stdin as
// [{code, filePath}] and prints [[ "rule: message", ... ], ...] as JSON. A separate
// process because jest's module sandbox cannot load the ESM flat config.
const { ESLint } = require('eslint');

let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', async () => {
  const eslint = new ESLint({ cwd: process.argv[2] });
  const out = [];
  for (const { code, filePath } of JSON.parse(input)) {
    const [result] = await eslint.lintText(code, { filePath });
    out.push(result.messages.map((m) => `${m.ruleId}: ${m.message}`));
  }
  process.stdout.write(JSON.stringify(out));
});
