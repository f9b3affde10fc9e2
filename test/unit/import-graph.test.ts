import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../support/paths';

/**
 * The layering of docs' map, checked on the real import graph: contracts at the bottom (they
 * import nothing from drivers, activities or workflows), activities never reach into the
 * workflows, and workflows import only contracts and pure helpers (no drivers, no activity code,
 * not even its types). Type-only imports count: a contract that names a driver's type still
 * ties the two together.
 */
interface Rule {
  /** Folder (from the repository root) whose files the rule applies to. */
  from: string;
  /** Folders they must not import from. */
  forbidden: string[];
  why: string;
}

const RULES: Rule[] = [
  { from: 'src/contracts', forbidden: ['src/drivers', 'activities', 'workflows'], why: 'contracts are shared by every side and depend on none' },
  { from: 'activities', forbidden: ['workflows'], why: 'activities take their contract from src/contracts' },
  { from: 'src/design', forbidden: ['src/contracts', 'src/drivers', 'src/builddata', 'activities', 'workflows'], why: 'the design is pure and at the bottom, with the pure boot-action template engine' },
  { from: 'workflows', forbidden: ['src/drivers', 'activities'], why: 'workflows see activities only through src/contracts/activities' },
  // Also enforced by the lint rule drydock/no-lab-import (eslint.config.mjs).
  ...['src', 'workflows', 'activities'].map((from) => ({ from, forbidden: ['lab'], why: 'the lab is a development tool outside the product (`drydock lab` runs it as a child process)' })),
  // An emulator that reused the driver's code would share its bugs, and both sides would agree.
  ...['lab/maas', 'lab/redfish', 'lab/ipmi', 'lab/switch'].map((from) => ({ from, forbidden: ['src/drivers'], why: 'an emulator never reuses the code of the driver it tests' })),
];

/** Module specifiers of a TypeScript file: static imports and re-exports (type-only too),
 * dynamic `import()` and `require()`. */
export function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** The repository-relative targets of a file's relative imports. */
export function importedPaths(file: string, text: string): string[] {
  return specifiers(text)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(REPO_ROOT, resolve(dirname(join(REPO_ROOT, file)), s)).split('\\').join('/'));
}

export function violations(file: string, text: string, rules: Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    if (!isUnder(file, rule.from)) continue;
    for (const target of importedPaths(file, text)) {
      const hit = rule.forbidden.find((folder) => isUnder(target, folder));
      if (hit) out.push(`${file} imports ${target} (${rule.from} must not import ${hit}: ${rule.why})`);
    }
  }
  return out;
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

function tsFiles(folder: string): string[] {
  const abs = join(REPO_ROOT, folder);
  return readdirSync(abs).flatMap((name) => {
    const path = `${folder}/${name}`;
    if (statSync(join(REPO_ROOT, path)).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the import graph keeps its layers', () => {
  it.each(RULES.map((r) => [r.from, r.forbidden.join(', '), r] as const))('%s imports nothing from %s', (_from, _forbidden, rule) => {
    const files = tsFiles(rule.from);
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((file) => violations(file, readFileSync(join(REPO_ROOT, file), 'utf8'), [rule]))).toEqual([]);
  });
});

describe('the import-graph check itself', () => {
  it('finds a contract that imports a driver type', () => {
    const text = "import type { ActionOutcome } from '../drivers/context';\nexport type X = ActionOutcome;\n";
    expect(violations('src/contracts/bad.ts', text)).toEqual([expect.stringContaining('src/contracts/bad.ts imports src/drivers/context')]);
  });

  it('finds an activity that imports from the workflows, also through a multi-line re-export', () => {
    const text = "export {\n  type NodesRef,\n} from '../workflows/activity-types';\n";
    expect(violations('activities/bad.ts', text)).toEqual([expect.stringContaining('activities/bad.ts imports workflows/activity-types')]);
  });

  it('finds a workflow that imports activity code, and one that requires a driver', () => {
    expect(violations('workflows/bad.ts', "import type { createActivities } from '../activities';\n")).toHaveLength(1);
    expect(violations('workflows/bad.ts', "const d = require('../src/drivers/oob');\n")).toHaveLength(1);
  });

  it('finds product code that imports the lab, also as a type', () => {
    expect(violations('src/cli/commands/bad.ts', "import type { MaasEmulator } from '../../../lab/maas';\n")).toEqual([expect.stringContaining('src/cli/commands/bad.ts imports lab/maas (src must not import lab')]);
    expect(violations('activities/bad.ts', "const lab = require('../lab/site-lab');\n")).toHaveLength(1);
  });

  it('finds an emulator that reuses the code of the driver it tests', () => {
    expect(violations('lab/maas/bad.ts', "import { parseOAuthHeader } from '../../src/drivers/node/maas/oauth';\n")).toEqual([expect.stringContaining('lab/maas/bad.ts imports src/drivers/node/maas/oauth')]);
    expect(violations('lab/redfish/vendor/bad.ts', "import type { RedfishClient } from '../../../src/drivers/oob/redfish-client';\n")).toHaveLength(1);
  });

  it('lets a contract import the design model and other contracts', () => {
    const text = "import type { NodeModel } from '../design/model';\nimport type { SiteContext } from './site-context';\nimport { defineSignal } from '@temporalio/workflow';\n";
    expect(violations('src/contracts/good.ts', text)).toEqual([]);
  });
});
