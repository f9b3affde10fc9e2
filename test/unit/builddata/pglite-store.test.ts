import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onSql } from '../../../src/builddata';
import { buildDataStoreSuite } from '../../support/builddata-suite';
import { REPO_ROOT } from '../../support/paths';
import { openRemotePglite } from '../../support/remote-pglite';

const dir = mkdtempSync(join(tmpdir(), 'builddata-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// PGlite runs in a child process (see test/support/pglite-child.ts), so a reopen is a new process.
const openEmbedded = async () => onSql(await openRemotePglite(join(dir, 'db')));
buildDataStoreSuite('build data on the embedded PGlite database (in a child process)', openEmbedded, openEmbedded);

it('opens the embedded database as the product does, and a second process reads what the first wrote', () => {
  const run = (...args: string[]) => JSON.parse(execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'test', 'support', 'builddata-embedded-child.ts'), join(dir, 'product'), ...args], { encoding: 'utf8', timeout: 120_000 })) as Array<{ data_element: string }>;
  expect(run('put', 'n7').map((d) => d.data_element)).toEqual(['<n7/>']);
  expect(run('list', 'n7').map((d) => d.data_element)).toEqual(['<n7/>']);
}, 180_000);
