import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import type { BootSettings, OobDriver, OobInterrogation, OobTarget } from './interface';

/**
 * For nodes without a BMC drydock can drive: every action asks a person. The outcome carries
 * `awaitConfirmation.prompt`, saying exactly what to do and how to confirm; the workflow layer
 * waits for that confirmation (Drydock instead slept 60 s and reported success). Nothing is
 * sent anywhere, so nothing here can fail.
 */
export class ManualDriver implements OobDriver {
  readonly type = 'manual';

  async validateOobServices(target: OobTarget): Promise<ServiceCheck> {
    return { ok: true, message: `node ${target.node} is managed by hand (oob type manual): there is no BMC to check; each OOB step will ask a person and wait for a confirmation` };
  }

  async configNodePxe(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return ask(target, ctx, `In the firmware setup of node ${target.node}, make ${target.bootMac ? `the NIC with MAC ${target.bootMac}` : 'its PXE NIC'} the first boot device (network/PXE boot enabled)`);
  }

  async setNodeBoot(target: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome> {
    const device = { pxe: 'PXE (network)', disk: 'its local disk', cdrom: 'CD/DVD' }[boot.device];
    return ask(target, ctx, `Set node ${target.node} to boot from ${device} ${boot.persistent ? 'on every boot' : 'on the next boot only'}, in ${boot.mode === 'uefi' ? 'UEFI' : 'legacy BIOS'} mode`);
  }

  async powerOffNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return ask(target, ctx, `Power node ${target.node} off (leave it off)`);
  }

  async powerOnNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return ask(target, ctx, `Power node ${target.node} on (if it is already on, leave it as it is)`);
  }

  async powerCycleNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return ask(target, ctx, `Power-cycle node ${target.node}: turn it off, then on again (if it is off, just turn it on)`);
  }

  async interrogateOob(): Promise<OobInterrogation> {
    return { power: 'unknown', identity: { macs: [] }, details: { managedBy: 'hand' } };
  }
}

/** In a workflow the prompt says how to confirm; outside one (drydock oob) nobody waits, so it
 * states only what to do. */
function ask(target: OobTarget, ctx: ActionContext, what: string): ActionOutcome {
  const prompt = ctx.workflowId ? `${what}, then run \`drydock confirm ${ctx.workflowId} --node ${target.node}\`` : what;
  return { changed: true, message: `waiting for a person: ${prompt}`, awaitConfirmation: { prompt } };
}
