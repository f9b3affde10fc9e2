import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { probeLabSwitchSupport, reapStaleLabSwitches, startLabSwitch, type LabSwitch } from '../../../../lab/switch';

// What a lab switch leaves when its owner dies without cleaning up (kill -9, a VM restart): the
// next lab removes it instead of failing to take the management address. Real namespaces and
// links; the owner is a real process that has exited (or, for the negative case, still runs).

const support = probeLabSwitchSupport();
const skipReason = support.ok ? undefined : support.reason;
if (skipReason) process.stderr.write(`[lab-switch leftovers] skipping: ${skipReason}\n`);

const ip = (...args: string[]): string => execFileSync('/usr/sbin/ip', args, { encoding: 'utf8' });
const namespaces = (): string[] => ip('netns', 'list').split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
const linkExists = (name: string): boolean => spawnSync('/usr/sbin/ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;

/** A lab-shaped namespace with a root-side link holding `address`/30, as startLabSwitch makes. */
function fakeLab(ownerPid: number, address: string): { namespace: string; link: string } {
  const id = randomBytes(3).toString('hex');
  const namespace = `drydock-lab-${ownerPid}-${id}`;
  const link = `ddlab${id}`;
  ip('netns', 'add', namespace);
  ip('link', 'add', link, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', namespace);
  ip('addr', 'add', `${address}/30`, 'dev', link);
  return { namespace, link };
}

function removeFake(f: { namespace: string; link: string }): void {
  spawnSync('/usr/sbin/ip', ['link', 'del', f.link], { stdio: 'ignore' });
  spawnSync('/usr/sbin/ip', ['netns', 'del', f.namespace], { stdio: 'ignore' });
}

/** The pid of a process that ran and has exited. */
function deadPid(): number {
  const r = spawnSync('/bin/true');
  if (r.pid === undefined) throw new Error('could not run /bin/true');
  return r.pid;
}

(skipReason ? describe.skip : describe)('lab switch leftovers (real network namespaces)', () => {
  let owner: ChildProcess | undefined;
  const made: Array<{ namespace: string; link: string }> = [];
  afterAll(() => {
    owner?.kill('SIGKILL');
    for (const f of made) removeFake(f);
  });

  it('removes a lab whose owner is gone, with its root-side link, and keeps a lab whose owner still runs', async () => {
    const stale = fakeLab(deadPid(), '10.254.253.1');
    made.push(stale);
    owner = spawn('/bin/sleep', ['300'], { stdio: 'ignore' });
    // The owner must have started before its namespace was made, as a real owner does.
    await new Promise((r) => setTimeout(r, 50));
    const live = fakeLab(owner.pid!, '10.254.253.5');
    made.push(live);

    const messages: string[] = [];
    const removed = reapStaleLabSwitches((m) => messages.push(m));

    expect(removed).toContain(stale.namespace);
    expect(removed).not.toContain(live.namespace);
    expect(namespaces()).not.toContain(stale.namespace);
    expect(linkExists(stale.link)).toBe(false);
    expect(namespaces()).toContain(live.namespace);
    expect(linkExists(live.link)).toBe(true);
    expect(messages.join('\n')).toContain(`removed lab switch ${stale.namespace}, left behind by process`);
  });

  it('starts a switch on a fixed management address that a dead run left taken', async () => {
    const stale = fakeLab(deadPid(), '10.254.253.9');
    made.push(stale);
    let lab: LabSwitch | undefined;
    try {
      lab = await startLabSwitch({ ports: 1, managementAddress: '10.254.253.10' });
      expect(lab.address).toBe('10.254.253.10');
      expect(namespaces()).not.toContain(stale.namespace);
      expect(linkExists(stale.link)).toBe(false);
    } finally {
      await lab?.stop();
    }
  });

  it('refuses a fixed management address a running lab holds, naming the holder', async () => {
    let first: LabSwitch | undefined;
    try {
      first = await startLabSwitch({ ports: 1, managementAddress: '10.254.253.14' });
      const holder = `ddlab${first.namespace.slice(-6)}`;
      const ours = (): string[] => namespaces().filter((n) => n.startsWith(`drydock-lab-${process.pid}-`));
      expect(ours()).toEqual([first.namespace]);
      await expect(startLabSwitch({ ports: 1, managementAddress: '10.254.253.14' })).rejects.toThrow(
        new RegExp(`management address 10\\.254\\.253\\.14 needs 10\\.254\\.253\\.13/30 .*${holder} already holds it`),
      );
      // The failed start left nothing behind.
      expect(ours()).toEqual([first.namespace]);
    } finally {
      await first?.stop();
    }
  });
});
