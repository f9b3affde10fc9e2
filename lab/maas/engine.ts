import { BmcTarget, pxeBootAndPowerOn, powerOff, readBmc, targetFromLab, targetFromPower } from './bmc';
import type { FaultConfig } from './config';
import { defaultStorageLayout, discoverDisks, enlistMachine, restoreNetworking } from './hardware';
import { labKeyOf, EmuModel } from './model';
import { releaseResources } from './routes-machines';
import type { EmuMachine } from './state';
import { bootResourcesFor } from './state';

/**
 * What happens between API calls: lab machines enlisting when their BMC PXE-boots them, MAAS's
 * power driver acting on BMCs, long operations waiting for the machine to PXE-boot (BMC shows
 * PXE boot and power on), running for their configured duration and completing, and boot image
 * imports. Runs on a timer; BMC I/O is asynchronous and never overlaps for one BMC.
 */
export class Engine {
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<string>();
  private readonly lastProbe = new Map<string, number>();
  /** Machines that enlisted, with when MAAS powers them off (after its enlistment image ran). */
  private readonly enlisting = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private readonly deployedListeners: Array<(machine: EmuMachine) => void> = [];

  constructor(
    private readonly model: EmuModel,
    private readonly faults: () => FaultConfig,
    private readonly log: (message: string) => void,
  ) {}

  /** Called when a machine reaches Deployed: the moment its deployed OS boots and cloud-init
   * runs the user data (the lab's node agent plays that part, lab/node-agent). */
  onDeployed(listener: (machine: EmuMachine) => void): void {
    this.deployedListeners.push(listener);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.model.config.tickMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
  }

  /** Runs one asynchronous BMC job per key at a time. */
  private job(key: string, work: () => Promise<void>): void {
    if (this.busy.has(key) || this.stopped) return;
    this.busy.add(key);
    const promise = work()
      .catch((err: unknown) => this.log(`${key}: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.busy.delete(key);
        this.running.delete(promise);
      });
    this.running.add(promise);
  }

  private probeDue(key: string): boolean {
    const last = this.lastProbe.get(key) ?? 0;
    if (Date.now() - last < this.model.config.bmcPollMs) return false;
    this.lastProbe.set(key, Date.now());
    return true;
  }

  tick(): void {
    if (this.stopped) return;
    let changed = false;
    const { state, config } = this.model;

    if (state.importing && Date.now() - state.importing.startedAt >= config.durations.importSeconds * 1000) {
      for (const selection of state.bootSelections) {
        if (selection.os !== 'ubuntu' || state.bootResources.some((r) => r.name === `ubuntu/${selection.release}`)) continue;
        state.bootResources.push(...bootResourcesFor(selection.release, () => this.model.id()));
      }
      state.importing = null;
      changed = true;
      this.log('boot image import finished');
    }

    config.machines.forEach((lab, index) => {
      const key = labKeyOf(lab, index);
      if (lab.enlist !== 'on-pxe-boot' || !lab.bmc || state.enlisted.includes(key)) return;
      if (!this.probeDue(`enlist:${key}`)) return;
      const target = targetFromLab(lab.bmc);
      this.job(`bmc:${key}`, async () => {
        const reading = await readBmc(target);
        if (this.stopped || state.enlisted.includes(key) || reading.power !== 'on' || !reading.pxe) return;
        const machine = enlistMachine(this.model, lab, index);
        machine.power_state = 'on';
        // MAAS powers a machine off once its enlistment image has run.
        if (machine.power_type !== 'manual') this.enlisting.set(machine.system_id, Date.now() + config.durations.enlistingSeconds * 1000);
        this.model.save();
        this.log(`lab machine ${key} PXE-booted and enlisted as ${machine.hostname} (${machine.system_id})`);
      });
    });

    for (const [systemId, offAt] of this.enlisting) {
      if (Date.now() < offAt) continue;
      this.enlisting.delete(systemId);
      const machine = state.machines.find((m) => m.system_id === systemId);
      if (machine && !machine.operation) {
        machine.pending_power.push('off');
        changed = true;
      }
    }

    for (const machine of state.machines) {
      if (machine.pending_power.length > 0) this.power(machine);
      const op = machine.operation;
      if (!op) continue;
      if (op.runningSince === null) {
        const lab = this.model.labMachine(machine);
        if (op.kind === 'releasing' || !lab?.bmc) {
          // Releasing waits for no boot; a lab machine without a BMC boots when asked.
          op.runningSince = Date.now();
          changed = true;
        } else if (machine.pending_power.length === 0 && this.probeDue(`op:${machine.system_id}`)) {
          this.watchForPxeBoot(machine, targetFromLab(lab.bmc), machine.lab);
        }
        continue;
      }
      const seconds = { commissioning: config.durations.commissioningSeconds, deploying: config.durations.deployingSeconds, releasing: config.durations.releasingSeconds, 'disk-erasing': config.durations.releasingSeconds }[op.kind];
      if (Date.now() - op.runningSince >= seconds * 1000) {
        this.complete(machine);
        changed = true;
      }
    }
    if (changed) this.model.save();
  }

  private watchForPxeBoot(machine: EmuMachine, target: BmcTarget, key: string): void {
    this.job(`bmc:${key}`, async () => {
      const reading = await readBmc(target);
      this.model.count(machine, 'bmc_reads');
      const op = machine.operation;
      if (this.stopped || !op || op.runningSince !== null || !this.model.state.machines.includes(machine)) return;
      machine.power_state = reading.power;
      if (reading.power === 'on' && reading.pxe) {
        op.runningSince = Date.now();
        this.log(`${machine.hostname}: BMC shows PXE boot and power on; ${op.kind} runs`);
        this.model.save();
      }
    });
  }

  private power(machine: EmuMachine): void {
    // One job per BMC: the lab key is the same one enlistment uses.
    this.job(`bmc:${machine.lab}`, async () => {
      const action = machine.pending_power[0];
      if (!action) return;
      const target = targetFromPower(machine.power_type, machine.power_parameters);
      if (!target) {
        this.log(`${machine.hostname}: power_type ${machine.power_type} gives no BMC to drive; ${action} skipped`);
        machine.pending_power.shift();
        this.model.save();
        return;
      }
      // Like MAAS's power drivers, wait until the BMC reports the new state and ask again if it
      // does not (Redfish BMCs apply power changes seconds later; an earlier change still landing
      // must not win).
      const want = action === 'off' ? 'off' : 'on';
      for (let attempt = 1; ; attempt++) {
        if (action === 'off') {
          await powerOff(target);
          this.model.count(machine, 'bmc_power_off');
          this.model.count(machine, 'bmc_power_commands');
        } else {
          const commands = await pxeBootAndPowerOn(target);
          if (action === 'pxe-on') this.model.count(machine, 'bmc_pxe');
          this.model.count(machine, 'bmc_power_on');
          for (let n = 0; n < commands; n++) this.model.count(machine, 'bmc_power_commands');
        }
        if (await this.settles(target, want)) break;
        if (this.stopped) return;
        if (attempt >= 3) {
          this.log(`${machine.hostname}: the BMC did not reach power ${want} after ${attempt} attempts; giving up on ${action}`);
          break;
        }
        this.log(`${machine.hostname}: the BMC is not ${want} yet; asking again`);
      }
      machine.pending_power.shift();
      machine.power_state = action === 'off' ? 'off' : 'on';
      this.model.save();
      this.log(`${machine.hostname}: power driver did ${action} on ${target.type} BMC ${target.host}:${target.port ?? ''}`);
    });
  }

  /** Polls the BMC until its power state is `want` (30 s at most). */
  private async settles(target: BmcTarget, want: 'on' | 'off'): Promise<boolean> {
    const deadline = Date.now() + 30_000;
    while (!this.stopped && Date.now() < deadline) {
      try {
        if ((await readBmc(target)).power === want) return true;
      } catch (err) {
        this.log(`reading ${target.type} BMC ${target.host}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((r) => setTimeout(r, this.model.config.bmcPollMs));
    }
    return false;
  }

  private failing(machine: EmuMachine, list: string[]): boolean {
    const lab = this.model.labMachine(machine);
    return list.includes(machine.hostname) || (lab?.hostname !== undefined && list.includes(lab.hostname)) || list.includes(machine.system_id);
  }

  private complete(machine: EmuMachine): void {
    const op = machine.operation!;
    machine.operation = null;
    const faults = this.faults();
    const controllable = machine.power_type !== 'manual' && !!machine.power_parameters.power_address;
    const lab = this.model.labMachine(machine);
    switch (op.kind) {
      case 'commissioning':
        if (this.failing(machine, faults.failCommissioning)) {
          this.model.setStatus(machine, 'Failed commissioning', 'Failed commissioning');
          machine.error_description = 'A commissioning script failed (lab fault injection).';
          this.model.count(machine, 'commissioning_failed');
        } else {
          if (!op.skipStorage || machine.blockdevices.length === 0) {
            discoverDisks(this.model, machine, lab);
            defaultStorageLayout(this.model, machine);
          }
          if (!op.skipNetworking) restoreNetworking(this.model, machine);
          machine.commissioned = true;
          this.model.setStatus(machine, 'Ready');
          this.model.count(machine, 'commissioned');
        }
        if (controllable) machine.pending_power.push('off');
        break;
      case 'deploying':
        if (this.failing(machine, faults.failDeployment)) {
          this.model.setStatus(machine, 'Failed deployment', 'Failed deployment');
          machine.error_description = 'Installation failed (lab fault injection).';
          this.model.count(machine, 'deployment_failed');
          break;
        }
        for (const iface of machine.interfaces) {
          for (const link of iface.links) {
            if (link.mode === 'auto' && !link.ip_address && link.subnet_id !== null) link.ip_address = this.model.allocateAddress(this.model.subnet(link.subnet_id));
          }
        }
        this.model.setStatus(machine, 'Deployed', 'Deployed');
        this.model.count(machine, 'deployed');
        for (const listener of this.deployedListeners) {
          try {
            listener(machine);
          } catch (err) {
            this.log(`${machine.hostname}: deployed listener failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        break;
      case 'releasing':
      case 'disk-erasing':
        releaseResources(machine);
        this.model.setStatus(machine, 'Ready');
        this.model.count(machine, 'released');
        if (op.kind === 'disk-erasing') {
          this.model.count(machine, 'disks_erased');
          if (controllable) machine.pending_power.push('off');
        }
        break;
    }
    this.log(`${machine.hostname}: ${op.kind} finished, now ${machine.status}`);
  }
}
