import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../support/paths';

/**
 * src/design is used inside workflows: only read-files.ts (files, stdin) and hash.ts (node:crypto)
 * may use Node built-ins. (test/integration/workflows/design-in-workflow.test.ts runs it in a real sandbox.)
 */
const ALLOWED = new Set(['src/design/read-files.ts', 'src/design/hash.ts']);
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = join(dir, f);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('purity of src/design', () => {
  // The boot-action template engine, pipelines and context run in validation (bootaction-template).
  const sources = [
    ...files(join(REPO_ROOT, 'src', 'design')),
    ...files(join(REPO_ROOT, 'src', 'bootactions', 'template')),
    ...['pipeline', 'context'].map((f) => join(REPO_ROOT, 'src', 'bootactions', `${f}.ts`)),
  ].map((f) => relative(REPO_ROOT, f));

  it.each(sources.filter((f) => !ALLOWED.has(f)))('%s imports no Node built-in, nor the non-pure design modules', (file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    const imports = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(imports.filter((i) => BUILTINS.has(i) || /(^|\/)(read-files|hash)$/.test(i))).toEqual([]);
  });

  it('finds the design modules', () => {
    expect(sources.length).toBeGreaterThan(30);
  });
});
