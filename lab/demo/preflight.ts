import { createSocket } from 'node:dgram';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type { CompiledSite } from '../../src/design/model';
import { tcpPortFree } from '../../src/tools/ports';

/**
 * Checks made before the demo starts anything, so that a second demo, or another program on one
 * of the lab's ports, is refused with a sentence instead of failing halfway (and so that two
 * Temporal servers never share ./.drydock/temporal.db).
 */
export class DemoPreflightError extends Error {
  override name = 'DemoPreflightError';
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A reused pid is some other program: only a demo holds the lock.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('demo');
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** Takes `<stateDir>/demo.lock` for this process; returns the function that releases it. */
export function takeDemoLock(stateDir: string): () => void {
  const path = `${stateDir}/demo.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processRuns(holder)) {
        throw new DemoPreflightError(
          `another demo (pid ${holder}) is running with ${stateDir}: its stack holds the ports and the state file. ` +
            `Stop it first (Ctrl-C in its terminal, or kill -INT ${holder}), or explore it: its web UI and CLI lines are at the end of its output.`,
        );
      }
      rmSync(path, { force: true }); // left by a demo that did not stop cleanly
    }
  }
  throw new DemoPreflightError(`cannot take ${path}`);
}

export interface LabPort {
  port: number;
  protocol: 'tcp' | 'udp';
  what: string;
}

/** The 127.0.0.1 ports the lab for this site listens on: BMC emulators and the MAAS emulator. */
export function labPorts(site: CompiledSite): LabPort[] {
  const ports = new Map<string, LabPort>();
  const add = (p: LabPort): void => void ports.set(`${p.protocol}/${p.port}`, ports.get(`${p.protocol}/${p.port}`) ?? p);
  for (const node of site.nodes) {
    if (node.oob.address !== '127.0.0.1' && node.oob.address !== 'localhost') continue;
    if (node.oob.type === 'redfish') add({ port: node.oob.port ?? 8000, protocol: 'tcp', what: `sushy-emulator (Redfish BMC of ${node.name})` });
    if (node.oob.type === 'ipmi') add({ port: node.oob.port ?? 623, protocol: 'udp', what: `ipmi_sim (IPMI BMC of ${node.name})` });
  }
  const maas = site.region.drivers.node;
  if (maas?.type === 'maas') {
    const url = new URL(maas.apiUrl);
    if (['127.0.0.1', 'localhost'].includes(url.hostname)) add({ port: Number(url.port || 80), protocol: 'tcp', what: 'the MAAS emulator' });
  }
  return [...ports.values()];
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createSocket('udp4');
    probe.once('error', () => {
      probe.close();
      done(false);
    });
    probe.bind(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

/** Fails, naming every taken port and what the lab wanted it for. */
export async function checkLabPorts(ports: LabPort[]): Promise<void> {
  const taken: LabPort[] = [];
  for (const p of ports) if (!(await (p.protocol === 'tcp' ? tcpPortFree(p.port) : udpFree(p.port)))) taken.push(p);
  if (taken.length === 0) return;
  throw new DemoPreflightError(
    `the lab cannot start: ${taken.map((p) => `127.0.0.1:${p.port}/${p.protocol} (for ${p.what})`).join(', ')} ${taken.length === 1 ? 'is' : 'are'} in use by another program. ` +
      `\`ss -lntup | grep ':${taken[0].port} '\` shows which; stop it and run the demo again.`,
  );
}
