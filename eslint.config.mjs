// ESLint flat config. Type-aware rules (no-floating-promises) for all TypeScript,
// and a determinism fence around orchestrators: they are replayed by the durable engine,
// so they must not do I/O, read the clock, draw random numbers or touch Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '*.js', '*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Nothing deployed may depend on dev-only code.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/dev/**', '../../dev/*'], message: 'src/ must not import dev/.' }] },
      ],
    },
  },
  {
    // Activities share shapes with orchestrators through contracts modules, never by importing them.
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/dev/**', '../../dev/*'], message: 'src/ must not import dev/.' },
            {
              group: ['**/orchestrators', '**/orchestrators/*'],
              message: 'Activities do not import orchestrators: shared shapes live in a contracts module.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/orchestrators/**/*.ts',
      'src/replication/**/*.ts',
      'src/durable/**/*.ts',
      'src/customVisionBackup/**/*.ts',
      'src/customVisionProjectDr/**/*.ts',
      'src/drills/contracts.ts',
      'src/drills/registry.ts',
      'src/drills/compare.ts',
      'src/failover/contracts.ts',
      'src/failover/registry.ts',
      'src/failover/routing.ts',
      'src/common/pairs.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins
            .filter((m) => !m.endsWith('/*'))
            .map((name) => ({ name, message: 'Orchestrators are replayed: no Node built-ins.' })),
          patterns: [
            {
              group: nodeBuiltins.filter((m) => m.endsWith('/*')),
              message: 'Orchestrators are replayed: no Node built-ins.',
            },
            {
              group: ['@azure/*', '!@azure/functions', 'axios', 'node-fetch', 'undici'],
              message: 'Orchestrators do no I/O: call an activity.',
            },
            {
              group: [
                '**/formRecognizer',
                '**/formRecognizer/*',
                '**/ledger',
                '**/ledger/*',
                '**/config',
                '**/config/*',
                '**/activities',
                '**/activities/*',
                '**/runtime/*',
                '**/dev/**',
              ],
              allowTypeImports: true,
              message: 'Orchestrators import only types of clients, ledger and activities (use `import type`).',
            },
            {
              // Custom Vision too, except flavors.ts: pure, import-free, deterministic (nextExports, sameName).
              regex: '(^|/)customVision(/(?!flavors$)[^/]+)?$',
              allowTypeImports: true,
              message: 'Orchestrators import only types of clients, ledger and activities (use `import type`).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use context.df.createTimer.' },
        { name: 'setInterval', message: 'Use context.df.createTimer.' },
        { name: 'setImmediate', message: 'Orchestrators are replayed: no scheduling.' },
        { name: 'fetch', message: 'Orchestrators do no I/O: call an activity.' },
        { name: 'process', message: 'Orchestrators read no environment: pass settings in the input.' },
        { name: 'crypto', message: 'Orchestrators are replayed: no randomness.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Orchestrators are replayed: no randomness.',
        },
        {
          selector: "CallExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use context.df.currentUtcDateTime.',
        },
      ],
    },
  },
);
