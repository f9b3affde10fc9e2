/**
 * The Redfish support matrix of docs/oob-drivers.md (vendor family x action), counted from a jest
 * run of the every-tree driver tests:
 *
 *   npx jest test/integration/drivers/oob/redfish-vendor.test.ts --json --outputFile=/tmp/redfish.json
 *   npx tsx scripts/redfish-matrix.ts /tmp/redfish.json
 *
 * Each test is named "[<tree>] <scenario>: ..."; a cell is "passed/run" over the family's trees.
 */
import { readFileSync } from 'node:fs';
import { profileForTree } from '../lab/redfish/vendor/profiles';

interface JestJson {
  testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
}

const file = process.argv[2];
if (!file) {
  console.error('usage: tsx scripts/redfish-matrix.ts JEST_JSON_FILE (from jest --json --outputFile)');
  process.exit(2);
}
const run = JSON.parse(readFileSync(file, 'utf8')) as JestJson;
const scenarios: string[] = [];
type Cell = { passed: number; run: number };
const families = new Map<string, { trees: Set<string>; cells: Map<string, Cell> }>();
for (const result of run.testResults) {
  for (const a of result.assertionResults) {
    const m = /^\[([^\]]+)\] ([^:]+):/.exec(a.title);
    if (!m) continue;
    const [, tree, scenario] = m;
    if (!scenarios.includes(scenario)) scenarios.push(scenario);
    const family = profileForTree(tree).family;
    const entry = families.get(family) ?? { trees: new Set<string>(), cells: new Map<string, Cell>() };
    families.set(family, entry);
    entry.trees.add(tree);
    const cell = entry.cells.get(scenario) ?? { passed: 0, run: 0 };
    if (a.status === 'passed' || a.status === 'failed') cell.run += 1;
    if (a.status === 'passed') cell.passed += 1;
    entry.cells.set(scenario, cell);
  }
}
const lines = [`| family (trees) | ${scenarios.join(' | ')} |`, `|---|${scenarios.map(() => '---').join('|')}|`];
let passed = 0;
let total = 0;
for (const [family, entry] of families) {
  const cells = scenarios.map((s) => {
    const c = entry.cells.get(s) ?? { passed: 0, run: 0 };
    passed += c.passed;
    total += c.run;
    return `${c.passed}/${c.run}`;
  });
  lines.push(`| ${family} (${[...entry.trees].join(', ')}) | ${cells.join(' | ')} |`);
}
lines.push('', `${passed}/${total} scenario runs passed.`);
console.log(lines.join('\n'));
