import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onSql } from '../../../src/builddata';
import { buildDataStoreSuite } from '../../support/builddata-suite';
import { openRemotePglite } from '../../support/remote-pglite';

const dir = mkdtempSync(join(tmpdir(), 'builddata-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// PGlite runs in a child process (see test/support/pglite-child.ts), so a reopen is a new process.
const openEmbedded = async () => onSql(await openRemotePglite(join(dir, 'db')));
buildDataStoreSuite('build data on the embedded PGlite database (in a child process)', openEmbedded, openEmbedded);
