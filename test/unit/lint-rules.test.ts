import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths';

interface LintMessage { ruleId: string | null; message: string; line: number }

// ESLint loads its ESM config with a dynamic import, which jest's module sandbox does not
// support; run the real `eslint` binary as `npm run lint` does.
function lint(files: string[]): Array<{ filePath: string; messages: LintMessage[] }> {
  try {
    return JSON.parse(execFileSync(join(REPO_ROOT, 'node_modules/.bin/eslint'), ['--no-ignore', '--format', 'json', ...files], { cwd: REPO_ROOT, encoding: 'utf8' })) as Array<{ filePath: string; messages: LintMessage[] }>;
  } catch (err) {
    const stdout = (err as { stdout?: string }).stdout;
    if (!stdout) throw err;
    return JSON.parse(stdout) as Array<{ filePath: string; messages: LintMessage[] }>;
  }
}

describe('lint rules that keep workflows deterministic', () => {
  let messages: LintMessage[];

  beforeAll(() => {
    messages = lint(['test/lint-fixtures/workflows/imports-axios.ts'])[0].messages;
  }, 120_000);

  it('rejects a workflow that imports axios', () => {
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: '@typescript-eslint/no-restricted-imports', line: 2, message: expect.stringContaining("'axios'") as unknown }));
  });

  it('rejects Node built-ins in workflows', () => {
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: '@typescript-eslint/no-restricted-imports', line: 3, message: expect.stringContaining("'node:fs'") as unknown }));
  });

  it('rejects a value import of activities (type imports are allowed)', () => {
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: '@typescript-eslint/no-restricted-imports', line: 4 }));
  });

  it('flags floating promises', () => {
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: '@typescript-eslint/no-floating-promises', line: 8 }));
  });

  it('accepts the real workflows', () => {
    const results = lint(['workflows']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`))).toEqual([]);
  }, 120_000);
});

describe('lint rule that keeps the lab out of the product', () => {
  let messages: LintMessage[];

  beforeAll(() => {
    messages = lint(['test/lint-fixtures/src/imports-lab.ts'])[0].messages;
  }, 120_000);

  it('rejects product code that imports lab/ (values, types and dynamic imports)', () => {
    for (const [line, source] of [[2, '../../../lab/maas'], [3, '../../../lab/switch'], [6, '../../../lab/site-lab']] as const) {
      expect(messages).toContainEqual(expect.objectContaining({ ruleId: 'drydock/no-lab-import', line, message: expect.stringContaining(`'${source}' is in lab/`) as unknown }));
    }
  });
});
