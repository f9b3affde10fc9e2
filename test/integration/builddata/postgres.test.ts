import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openBuildDataDatabase } from '../../../src/builddata';
import { buildDataStoreSuite } from '../../support/builddata-suite';

/**
 * The build-data store on a real PostgreSQL (Debian's server binaries, a cluster of our own in a
 * temporary folder on 127.0.0.1 and a free port); the reopen restarts the server.
 */
const root = '/usr/lib/postgresql';
const bin = existsSync(root) ? readdirSync(root).map((v) => join(root, v, 'bin')).find((b) => existsSync(join(b, 'initdb'))) : undefined;
const asRoot = process.getuid?.() === 0;
const pgUser = asRoot ? spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }) : undefined;
const runAs = pgUser && pgUser.status === 0 ? { uid: Number(pgUser.stdout.trim()), gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()) } : undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const describeIfPostgres = bin && (!asRoot || runAs) ? describe : describe.skip;

describeIfPostgres('build data on a real PostgreSQL server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'builddata-pg-'));
  const data = join(dir, 'data');
  let port = 0;
  let server: ChildProcess | undefined;

  async function start(): Promise<void> {
    server = spawn(join(bin!, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-c', 'unix_socket_directories=', '-c', 'fsync=off'], { stdio: 'ignore', uid: runAs?.uid, gid: runAs?.gid });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const c = new Client({ host: '127.0.0.1', port, user: 'drydock', database: 'postgres' });
      try {
        await c.connect();
        await c.end();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  async function stop(): Promise<void> {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGINT');
    await exited;
  }

  beforeAll(async () => {
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    const init = spawnSync(join(bin!, 'initdb'), ['-D', data, '-U', 'drydock', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'], { encoding: 'utf8', uid: runAs?.uid, gid: runAs?.gid });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    port = await freePort();
    await start();
    const c = new Client({ host: '127.0.0.1', port, user: 'drydock', database: 'postgres' });
    await c.connect();
    await c.query('CREATE DATABASE drydock_builddata');
    await c.end();
  }, 120_000);
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving across a server restart without reopening the store', async () => {
    const db = await openBuildDataDatabase({ url: url() });
    try {
      await db.buildData.put({ node_name: 'r1', task_id: 't', generator: 'g', data_format: 'text/plain', data_element: 'before' });
      await stop();
      await start();
      await db.buildData.put({ node_name: 'r1', task_id: 't', generator: 'g', data_format: 'text/plain', data_element: 'after' });
      expect((await db.buildData.forNode('r1')).map((d) => d.data_element).sort()).toEqual(['after', 'before']);
    } finally {
      await db.close();
    }
  }, 120_000);

  const url = () => `postgres://drydock@127.0.0.1:${port}/drydock_builddata`;
  buildDataStoreSuite(
    'the store',
    () => openBuildDataDatabase({ url: url() }),
    async () => {
      await stop();
      await start();
      return openBuildDataDatabase({ url: url() });
    },
  );
});
