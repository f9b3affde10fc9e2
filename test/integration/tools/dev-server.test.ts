import { Client } from '@temporalio/client';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../../src/contracts/search-attributes';
import { DevServerStartError, startDevServer } from '../../../src/tools/dev-server';
import { resolveTemporalCli } from '../../../src/tools/temporal-cli';
import { connectTemporal } from '../../../src/config/open-connection';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a new server on `dbFilename` and reads the workflow's status from it. */
async function statusAfterRestart(dbFilename: string, workflowId: string): Promise<string> {
  const server = await startDevServer({ headless: true, dbFilename });
  try {
    const connection = await connectTemporal({ address: server.address });
    try {
      return (await new Client({ connection }).workflow.getHandle(workflowId).describe()).status.name;
    } finally {
      await connection.close();
    }
  } finally {
    await server.stop();
  }
}

describe('dev-server launcher (a second, private server)', () => {
  it('persists workflows across a restart with --db-filename, registers our search attributes, and stops its process group', async () => {
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'drydock-db-')), 'temporal.db');
    const first = await startDevServer({ headless: true, dbFilename });
    const pid = first.process.child.pid!;
    const connection = await connectTemporal({ address: first.address });
    const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(attrs.customAttributes?.[name]).toBeDefined();
    // A workflow that no worker serves stays running: it must still be there after the restart.
    await new Client({ connection }).workflow.start('stackCheck', { taskQueue: 'nobody-listens', workflowId: 'survives-restart', args: [{ requestedBy: 'test' }] });
    await connection.close();
    await first.stop();
    expect(isAlive(pid)).toBe(false);

    expect(await statusAfterRestart(dbFilename, 'survives-restart')).toBe('RUNNING');
  });

  it('keeps its SQLite file in WAL mode, and nothing committed is lost when the server is killed with SIGKILL', async () => {
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'drydock-db-')), 'temporal.db');
    const first = await startDevServer({ headless: true, dbFilename });
    const connection = await connectTemporal({ address: first.address });
    try {
      await new Client({ connection }).workflow.start('stackCheck', { taskQueue: 'nobody-listens', workflowId: 'survives-sigkill', args: [{ requestedBy: 'test' }] });
    } finally {
      await connection.close();
    }
    // SQLite's header: bytes 18 and 19 (file format write and read versions) are 2 in WAL mode.
    const header = readFileSync(dbFilename).subarray(0, 20);
    expect([header[18], header[19]]).toEqual([2, 2]);
    expect(existsSync(`${dbFilename}-wal`)).toBe(true);
    process.kill(-first.process.child.pid!, 'SIGKILL');
    await first.stop();

    expect(await statusAfterRestart(dbFilename, 'survives-sigkill')).toBe('RUNNING');
  });

  it('starts the server again when it exits during start-up, and says why it exited', async () => {
    // A wrapper around the real CLI whose first run dies as the server does when another process
    // takes one of its internal ports: an ERROR line, then a panic and its goroutine dump.
    const dir = mkdtempSync(join(tmpdir(), 'drydock-flaky-cli-'));
    const real = await resolveTemporalCli({ allowBuild: false });
    const wrapper = join(dir, 'temporal');
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        `if [ ! -e "${dir}/crashed" ]; then`,
        `  touch "${dir}/crashed"`,
        `  echo 'time=2026-11-26T00:00:00Z level=ERROR msg="Failed to start ringpop listener" error="listen tcp 127.0.0.1:7234: bind: address already in use"' >&2`,
        '  echo "panic: runtime error: invalid memory address or nil pointer dereference" >&2',
        '  i=0; while [ $i -lt 80 ]; do echo "	/root/go/pkg/mod/frame$i.go:$i" >&2; i=$((i+1)); done',
        '  exit 2',
        'fi',
        `exec "${real.path}" "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    const said: string[] = [];
    const server = await startDevServer({ headless: true, cli: { ...real, path: wrapper }, log: (m) => said.push(m) });
    try {
      const connection = await connectTemporal({ address: server.address });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
    } finally {
      await server.stop();
    }
    expect(said).toEqual([
      'the Temporal dev server exited during start-up (attempt 1 of 3: time=2026-11-26T00:00:00Z level=ERROR msg="Failed to start ringpop listener" error="listen tcp 127.0.0.1:7234: bind: address already in use"); starting it again',
    ]);
  });

  it('gives up after three exits, with the first error of each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-broken-cli-'));
    const wrapper = join(dir, 'temporal');
    writeFileSync(wrapper, '#!/bin/sh\necho "panic: cannot open database: disk I/O error" >&2\ni=0; while [ $i -lt 60 ]; do echo "frame $i" >&2; i=$((i+1)); done\nexit 2\n');
    chmodSync(wrapper, 0o755);
    const said: string[] = [];
    const attempt = startDevServer({ headless: true, cli: { path: wrapper, source: 'PATH', version: 'test' }, log: (m) => said.push(m) });
    await expect(attempt).rejects.toThrow(DevServerStartError);
    const message = await attempt.then(() => '', (err: Error) => err.message);
    expect(message).toMatch(/^the Temporal dev server exited during start-up \(3 attempt\(s\)\)\nattempt 1: command: /);
    expect(message.match(/panic: cannot open database: disk I\/O error/g)).toHaveLength(3);
    expect(said).toHaveLength(2);
  });

  it('fails with the server output when the port is taken', async () => {
    const accepted = new Set<Socket>();
    const blocker: Server = createServer((socket) => accepted.add(socket));
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = startDevServer({ headless: true, port, startTimeoutMs: 20_000 });
      await expect(attempt).rejects.toThrow(DevServerStartError);
      await expect(attempt).rejects.toThrow(/server output:/);
      // A port the caller chose and another process holds is not worth a second attempt.
      await expect(attempt).rejects.toThrow(new RegExp(`\\(1 attempt\\(s\\)\\)\\nport ${port} on 127\\.0\\.0\\.1 is in use by another process`));
    } finally {
      for (const socket of accepted) socket.destroy();
      blocker.close();
    }
  });

  it('serves the web UI on loopback when asked', async () => {
    const server = await startDevServer({ headless: false });
    try {
      expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // The UI server may start a moment after the frontend.
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(server.uiUrl!).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
