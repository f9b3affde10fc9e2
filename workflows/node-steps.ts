import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { NodeStep } from '../src/contracts/deployment';
import type { ActionOutcome } from '../src/drivers/context';
import * as options from './activity-options';
import type { NodeInput, WorkflowActivities } from './activity-types';

const power = proxyActivities<WorkflowActivities>(options.powerActivity);
const apply = proxyActivities<WorkflowActivities>(options.applyActivity);
const identify = proxyActivities<WorkflowActivities>(options.identifyActivity);
const commission = proxyActivities<WorkflowActivities>(options.commissionActivity);
const deploy = proxyActivities<WorkflowActivities>(options.deployActivity);
const destroy = proxyActivities<WorkflowActivities>(options.destroyActivity);

/** What a step reports back to the node workflow. */
export interface StepResult {
  message: string;
  /** The bootstrapper already knows the node (CheckExists): skip the PXE power cycle. */
  knownToBootstrapper?: boolean;
  awaitConfirmation?: { prompt: string };
}

function fromOutcome(outcome: ActionOutcome): StepResult {
  const saysSo = /\bno change\b/i.test(outcome.message);
  return { message: outcome.changed || saysSo ? outcome.message : `${outcome.message} (no change)`, awaitConfirmation: outcome.awaitConfirmation };
}

/** Runs one node step through its activity. Deterministic: only activity calls. */
export async function runNodeStep(step: NodeStep, input: NodeInput): Promise<StepResult> {
  const name = input.node.name;
  switch (step) {
    case 'ValidateOobServices': {
      const check = await apply.validateOobServices(input);
      return { message: check.message };
    }
    case 'InterrogateOob': {
      const state = await apply.interrogateOob(input);
      const id = state.identity;
      return { message: `power ${state.power}; ${[id.manufacturer, id.model, id.serial].filter(Boolean).join(' ') || 'no identity reported'}` };
    }
    case 'ConfigNodePxe':
      return fromOutcome(await power.configNodePxe(input));
    case 'SetNodeBoot':
      return fromOutcome(await power.setNodeBoot({ ...input, boot: { device: 'pxe', persistent: false, mode: bootMode(input) } }));
    case 'PowerCycleNode':
      return fromOutcome(await power.powerCycleNode(input));
    case 'PowerOffNode':
      return fromOutcome(await power.powerOffNode(input));
    case 'CheckExists': {
      const identity = await apply.identifyNode(input);
      return identity.found
        ? { message: `known to the bootstrapper as ${identity.machineId} (${identity.status ?? 'unknown status'})`, knownToBootstrapper: true }
        : { message: `not yet known to the bootstrapper: it will be PXE-booted`, knownToBootstrapper: false };
    }
    case 'IdentifyNode': {
      const identity = await identify.awaitNodeIdentity(input);
      return { message: `identified as ${identity.machineId} by ${identity.matchedBy ?? 'match'} (${identity.status ?? 'unknown status'})` };
    }
    case 'ConfigureHardware':
      return fromOutcome(await commission.configureHardware(input));
    case 'InterrogateNode': {
      const details = await apply.interrogateNode(input);
      return { message: `${name}: ${details.identity.status ?? 'unknown status'}` };
    }
    case 'ApplyNodeNetworking':
      return fromOutcome(await apply.applyNodeNetworking(input));
    case 'ApplyNodeStorage':
      return fromOutcome(await apply.applyNodeStorage(input));
    case 'ApplyNodePlatform':
      return fromOutcome(await apply.applyNodePlatform(input));
    case 'DeployNode':
      return fromOutcome(await deploy.deployNode(input));
    case 'DestroyNode':
      return fromOutcome(await destroy.destroyNode(input));
    case 'ConfigurePortProvisioning':
      return fromOutcome(await apply.configurePortProvisioning(input));
    case 'ConfigurePortProduction':
      return fromOutcome(await apply.configurePortProduction(input));
    case 'RelabelNode':
      return fromOutcome(await apply.relabelNode(input));
  }
}

function bootMode(input: NodeInput): 'uefi' | 'legacy' {
  const profile = input.node.hardwareProfile ? input.site.hardwareProfiles[input.node.hardwareProfile] : undefined;
  return profile?.bootMode === 'uefi' ? 'uefi' : 'legacy';
}

/** A one-line, credential-free description of why a step failed, and its error type. */
export function describeFailure(err: unknown): { message: string; type?: string } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) return { message: cause.message, type: cause.type ?? undefined };
  if (cause instanceof TimeoutFailure) return { message: `timed out (${cause.timeoutType})`, type: 'Timeout' };
  if (cause instanceof Error) return { message: cause.message, type: cause.name };
  return { message: String(cause) };
}
