// Lint rules that protect Temporal's guarantees.
// Workflow code is replayed from history, so it must stay deterministic: no Node built-ins,
// no network clients, no drivers; activities and pure helpers reach it only as types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const workflowFiles = ['workflows/**/*.ts', 'test/lint-fixtures/workflows/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.drydock/**', 'coverage/**', 'bin/**', 'test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['test/lint-fixtures/workflows/*.ts', '*.mjs', '*.js'] },
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
              group: ['**/activities', '**/activities/**', '**/src/drivers/**', '**/src/lab/**', '**/src/tools/**', '**/src/secrets/**', '**/src/client/**', '**/src/cli/**'],
              allowTypeImports: true,
              message: 'Workflows may import activities, drivers and tools only as types (import type ...).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { module: 'readonly', require: 'readonly', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
  },
);
