/**
 * Which activity each step calls, with its activity options and how its result is reported:
 * the tables `plans.ts`'s steps run through. Step names match their activities' names.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import type { DriverActivities, NodeActivityInput, SiteActivityInput } from '../src/contracts/activities';
import type { NodeStep, SiteStep } from '../src/contracts/deployment';
import type { BootActionRef } from '../src/contracts/bootactions';
import type { ActionOutcome } from '../src/contracts/driver-results';
import * as options from './activity-options';

/** What a step reports back to the node workflow. */
export interface StepResult {
  message: string;
  /** The bootstrapper already knows the node (CheckExists): skip the PXE power cycle. */
  knownToBootstrapper?: boolean;
  awaitConfirmation?: { prompt: string };
  /** DeployNode: the boot actions prepared for the node, to wait for. */
  bootActions?: BootActionRef[];
}

type Activity = keyof DriverActivities;
type ResultOf<K extends Activity> = Awaited<ReturnType<DriverActivities[K]>>;

/** A node step's activity. Methods (not function properties) so that an entry for one activity
 * is an entry of the table, whose activity may be any. */
export interface NodeStepActivity<K extends Activity = Activity> {
  activity: K;
  options: ActivityOptions;
  input(input: NodeActivityInput): Parameters<DriverActivities[K]>[0];
  report(result: ResultOf<K>, input: NodeActivityInput): StepResult;
}

/** The activities that take a NodeActivityInput as it is. */
type TakesNodeInput = { [K in Activity]: NodeActivityInput extends Parameters<DriverActivities[K]>[0] ? K : never }[Activity];
type Report<K extends Activity> = (result: ResultOf<K>, input: NodeActivityInput) => StepResult;

/** A table entry; an activity that takes more than the node's input needs `input` to build it. */
function call<K extends TakesNodeInput>(activity: K, opts: ActivityOptions, report: Report<K>): NodeStepActivity<K>;
function call<K extends Activity>(activity: K, opts: ActivityOptions, report: Report<K>, input: (input: NodeActivityInput) => Parameters<DriverActivities[K]>[0]): NodeStepActivity<K>;
function call<K extends Activity>(activity: K, opts: ActivityOptions, report: Report<K>, input?: (input: NodeActivityInput) => Parameters<DriverActivities[K]>[0]): NodeStepActivity<K> {
  return { activity, options: opts, report, input: input ?? ((i) => i) };
}

/** An action's outcome, saying "(no change)" when nothing changed and the driver did not say so. */
function outcome(result: ActionOutcome): StepResult {
  const saysSo = /\bno change\b/i.test(result.message);
  return { message: result.changed || saysSo ? result.message : `${result.message} (no change)`, awaitConfirmation: result.awaitConfirmation };
}

function bootMode(input: NodeActivityInput): 'uefi' | 'legacy' {
  const profile = input.node.hardwareProfile ? input.site.hardwareProfiles[input.node.hardwareProfile] : undefined;
  return profile?.bootMode === 'uefi' ? 'uefi' : 'legacy';
}

export const NODE_STEP_ACTIVITIES: Record<NodeStep, NodeStepActivity> = {
  ValidateOobServices: call('validateOobServices', options.applyActivity, (check) => ({ message: check.message })),
  InterrogateOob: call('interrogateOob', options.applyActivity, (state) => {
    const id = state.identity;
    return { message: `power ${state.power}; ${[id.manufacturer, id.model, id.serial].filter(Boolean).join(' ') || 'no identity reported'}` };
  }),
  ConfigNodePxe: call('configNodePxe', options.powerActivity, outcome),
  SetNodeBoot: call('setNodeBoot', options.powerActivity, outcome, (input) => ({ ...input, boot: { device: 'pxe', persistent: false, mode: bootMode(input) } })),
  PowerCycleNode: call('powerCycleNode', options.powerActivity, outcome),
  PowerOffNode: call('powerOffNode', options.powerActivity, outcome),
  CheckExists: call('checkExists', options.applyActivity, (identity) =>
    identity.found
      ? { message: `known to the bootstrapper as ${identity.machineId} (${identity.status ?? 'unknown status'})`, knownToBootstrapper: true }
      : { message: `not yet known to the bootstrapper: it will be PXE-booted`, knownToBootstrapper: false },
  ),
  IdentifyNode: call('identifyNode', options.identifyActivity, (identity) => ({ message: `identified as ${identity.machineId} by ${identity.matchedBy ?? 'match'} (${identity.status ?? 'unknown status'})` })),
  ConfigureHardware: call('configureHardware', options.commissionActivity, outcome),
  InterrogateNode: call('interrogateNode', options.applyActivity, (details, input) => ({ message: `${input.node.name}: ${details.identity.status ?? 'unknown status'}` })),
  ApplyNodeNetworking: call('applyNodeNetworking', options.applyActivity, outcome),
  ApplyNodeStorage: call('applyNodeStorage', options.applyActivity, outcome),
  ApplyNodePlatform: call('applyNodePlatform', options.applyActivity, outcome),
  DeployNode: call('deployNode', options.deployActivity, (r) => ({ ...outcome(r), ...(r.bootActions?.length ? { bootActions: r.bootActions } : {}) })),
  DestroyNode: call('destroyNode', options.destroyActivity, outcome),
  ConfigurePortProvisioning: call('configurePortProvisioning', options.applyActivity, outcome),
  ConfigurePortProduction: call('configurePortProduction', options.applyActivity, outcome),
  RelabelNode: call('relabelNode', options.applyActivity, outcome),
};

/** The site-level activities: those that take a SiteActivityInput. */
export type SiteActivity = { [K in Activity]: SiteActivityInput extends Parameters<DriverActivities[K]>[0] ? K : never }[Activity];

export interface SiteStepActivity {
  activity: SiteActivity;
  /** The step looks at every selected node: its input names them (by reference). */
  withNodes?: boolean;
}

/** Site steps run with `options.siteActivity`. LoadDesign runs no activity of its own: the site
 * workflow records it when it loads the design. */
export const SITE_STEP_ACTIVITIES: Record<SiteStep, SiteStepActivity | null> = {
  LoadDesign: null,
  ValidateNodeServices: { activity: 'validateNodeServices' },
  ValidateNetworkServices: { activity: 'validateNetworkServices' },
  ValidateKubernetesServices: { activity: 'validateKubernetesServices' },
  CreateNetworkTemplate: { activity: 'createNetworkTemplate' },
  ConfigureUserCredentials: { activity: 'configureUserCredentials' },
  ConfigureNodeProvisioner: { activity: 'configureNodeProvisioner' },
  CreateStorageTemplate: { activity: 'createStorageTemplate', withNodes: true },
  CreateBootMedia: { activity: 'createBootMedia', withNodes: true },
  PrepareHardwareConfig: { activity: 'prepareHardwareConfig' },
};
