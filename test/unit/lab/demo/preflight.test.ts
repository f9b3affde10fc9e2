import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLabPorts, DemoPreflightError, takeDemoLock } from '../../../../lab/demo/preflight';
import { freePort } from '../../../../src/tools/ports';

describe('demo preflight', () => {
  it('one demo per state folder: a running one is named, a dead one\'s lock is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-demo-lock-'));
    // A process that looks like a running demo (its command line says so).
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'lab/demo/main.ts'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'demo.lock'), `${other.pid}\n`);
      expect(() => takeDemoLock(dir)).toThrow(DemoPreflightError);
      expect(() => takeDemoLock(dir)).toThrow(new RegExp(`another demo \\(pid ${other.pid}\\) is running with .*kill -INT ${other.pid}`));
    } finally {
      other.kill('SIGKILL');
    }
    const dead = spawnSync('/bin/true').pid;
    writeFileSync(join(dir, 'demo.lock'), `${dead}\n`);
    const release = takeDemoLock(dir);
    expect(readFileSync(join(dir, 'demo.lock'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'demo.lock'))).toBe(false);
  });

  it('names every lab port another program holds, TCP and UDP', async () => {
    const tcpPort = await freePort();
    const tcp = createServer();
    await new Promise<void>((r) => tcp.listen(tcpPort, '127.0.0.1', () => r()));
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const udpPort = udp.address().port;
    const freeOne = await freePort();
    try {
      await expect(checkLabPorts([{ port: freeOne, protocol: 'tcp', what: 'nothing' }])).resolves.toBeUndefined();
      await expect(
        checkLabPorts([
          { port: tcpPort, protocol: 'tcp', what: 'the MAAS emulator' },
          { port: udpPort, protocol: 'udp', what: 'ipmi_sim (IPMI BMC of cmp02)' },
          { port: freeOne, protocol: 'tcp', what: 'sushy-emulator' },
        ]),
      ).rejects.toThrow(`the lab cannot start: 127.0.0.1:${tcpPort}/tcp (for the MAAS emulator), 127.0.0.1:${udpPort}/udp (for ipmi_sim (IPMI BMC of cmp02)) are in use by another program.`);
    } finally {
      tcp.close();
      udp.close();
    }
  });
});
