// Lint rules that protect Temporal's guarantees.
// Workflow code is replayed from history, so it must stay deterministic: no Node built-ins,
// no network clients, no drivers; activities and pure helpers reach it only as types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { dirname, resolve, sep } from 'node:path';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const workflowFiles = ['workflows/**/*.ts', 'test/lint-fixtures/workflows/**/*.ts'];
// The product: what `npm run build` puts in dist/. The lab (lab/: emulators, the demo) is a
// development tool outside it, so the product may not import it, not even as types.
const productFiles = ['src/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts', 'test/lint-fixtures/src/**/*.ts'];
const labDir = resolve(import.meta.dirname, 'lab');

/** `drydock/no-lab-import`: resolves every relative import and refuses one that lands in lab/. */
const noLabImport = {
  meta: {
    type: 'problem',
    docs: { description: 'the product (src/, workflows/, activities/) must not import the lab (lab/)' },
    messages: { lab: "'{{source}}' is in lab/: the lab is a development tool outside the product, which may not import it (run it as a child process, as src/cli/commands/lab.ts does)." },
    schema: [],
  },
  create(context) {
    const check = (node) => {
      if (node?.type !== 'Literal' || typeof node.value !== 'string') return;
      const source = node.value;
      const target = source.startsWith('.') ? resolve(dirname(context.filename), source) : undefined;
      const inLab = target ? target === labDir || target.startsWith(labDir + sep) : /^drydock-temporal\/lab(\/|$)/.test(source);
      if (inLab) context.report({ node, messageId: 'lab', data: { source } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.drydock/**', 'coverage/**', 'bin/**', 'test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['test/lint-fixtures/workflows/*.ts', 'test/lint-fixtures/src/*.ts', '*.mjs', '*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: workflowFiles,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflows must be deterministic: Node built-ins belong in activities.' })),
            { name: 'axios', message: 'Workflows must not do I/O: call an activity instead.' },
            { name: 'ssh2', message: 'Workflows must not do I/O: call an activity instead.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**', '**/src/drivers/**', '**/src/tools/**', '**/src/secrets/**', '**/src/client/**', '**/src/cli/**'],
              allowTypeImports: true,
              message: 'Workflows may import activities, drivers and tools only as types (import type ...).',
            },
          ],
        },
      ],
    },
  },
  {
    files: productFiles,
    plugins: { drydock: { rules: { 'no-lab-import': noLabImport } } },
    rules: { 'drydock/no-lab-import': 'error' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { module: 'readonly', require: 'readonly', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
  },
);
