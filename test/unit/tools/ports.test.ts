import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { freePort, tcpPortFree } from '../../../src/tools/ports';

/** Local ports of 127.0.0.1 sockets in TIME_WAIT (state 06 in /proc/net/tcp). */
function timeWaitPorts(): Set<number> {
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== '06') continue;
    const [ip, port] = fields[1].split(':');
    if (ip === '0100007F') ports.add(parseInt(port, 16));
  }
  return ports;
}

describe('freePort', () => {
  it('returns a port left in TIME_WAIT on its listening end, which our servers can still bind', async () => {
    const port = await freePort();
    expect(timeWaitPorts().has(port)).toBe(true);
    expect(await tcpPortFree(port)).toBe(true);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise((r) => server.close(r));
  });

  it('leaves nothing listening on the port it returns', async () => {
    const port = await freePort();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

describe('freePort as the first step of a fresh process', () => {
  it('holds the event loop until it has a port: the process does its work and exits 0 after it', () => {
    // A process whose first awaited step is freePort used to end with status 0 before the port
    // arrived, because both sockets were unref'd and nothing else held the loop.
    const repo = join(__dirname, '..', '..', '..');
    const script = "require('./src/tools/ports').freePort().then((p) => console.log('port ' + p))";
    for (let i = 0; i < 5; i++) {
      const out = execFileSync(join(repo, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: repo, encoding: 'utf8' });
      expect(out).toMatch(/^port \d+\n$/);
    }
  });
});
