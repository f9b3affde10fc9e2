import type { NodeStep, SiteAction, SiteStep } from '../src/contracts/deployment';
import type { NodeModel } from '../src/design/model';
import type { SiteContext } from '../src/contracts/site-context';

/** Which driver kind performs a step. */
export type DriverKind = 'oob' | 'node' | 'network' | 'kubernetes';

export interface PlannedStep {
  step: NodeStep;
  driver: DriverKind;
  /** Set when the step cannot run for this node: it is recorded as skipped with this reason. */
  skipReason?: string;
}

const STEP_DRIVER: Record<NodeStep, DriverKind> = {
  ValidateOobServices: 'oob',
  InterrogateOob: 'oob',
  ConfigNodePxe: 'oob',
  SetNodeBoot: 'oob',
  PowerCycleNode: 'oob',
  PowerOffNode: 'oob',
  ConfigurePortProvisioning: 'network',
  ConfigurePortProduction: 'network',
  CheckExists: 'node',
  IdentifyNode: 'node',
  ConfigureHardware: 'node',
  InterrogateNode: 'node',
  ApplyNodeNetworking: 'node',
  ApplyNodeStorage: 'node',
  ApplyNodePlatform: 'node',
  DeployNode: 'node',
  DestroyNode: 'node',
  RelabelNode: 'kubernetes',
};

/** The phases a node's `DrydockPhase` search attribute shows (its current step is in the
 * workflow's current details and the progress queries): an upsert per phase change rather than
 * per step, which was a third of the server's work per step. */
export const STEP_PHASE: Record<NodeStep, string> = {
  ValidateOobServices: 'verifying',
  InterrogateOob: 'verifying',
  ConfigurePortProvisioning: 'provisioning',
  CheckExists: 'provisioning',
  ConfigNodePxe: 'provisioning',
  SetNodeBoot: 'provisioning',
  PowerCycleNode: 'provisioning',
  IdentifyNode: 'provisioning',
  ConfigureHardware: 'commissioning',
  InterrogateNode: 'commissioning',
  ApplyNodeNetworking: 'configuring',
  ApplyNodeStorage: 'configuring',
  ApplyNodePlatform: 'configuring',
  DeployNode: 'deploying',
  ConfigurePortProduction: 'finishing',
  RelabelNode: 'finishing',
  DestroyNode: 'destroying',
  PowerOffNode: 'destroying',
};

const PREPARE: NodeStep[] = ['ConfigurePortProvisioning', 'CheckExists', 'SetNodeBoot', 'PowerCycleNode', 'IdentifyNode', 'ConfigureHardware'];

/** The per-node steps of each site action, in order (Drydock's orchestrator, made explicit). */
export const NODE_STEPS: Record<SiteAction, NodeStep[]> = {
  ValidateDesign: [],
  VerifySite: [],
  PrepareSite: [],
  VerifyNodes: ['ValidateOobServices', 'InterrogateOob'],
  PrepareNodes: PREPARE,
  DeployNodes: [...PREPARE, 'ApplyNodeNetworking', 'ApplyNodeStorage', 'ApplyNodePlatform', 'DeployNode', 'ConfigurePortProduction', 'RelabelNode'],
  DestroyNodes: ['DestroyNode', 'PowerOffNode', 'ConfigurePortProvisioning'],
  RelabelNodes: ['RelabelNode'],
};

/** The site-level steps run once before the nodes (PrepareSite is Drydock's order). DeployNodes
 * runs PrepareSite's steps too: they are declarative (they change only what differs), so a
 * deployment never fails for a site template that was not prepared or has drifted. */
export const SITE_STEPS: Record<SiteAction, SiteStep[]> = {
  ValidateDesign: [],
  VerifySite: ['ValidateNodeServices', 'ValidateNetworkServices', 'ValidateKubernetesServices'],
  PrepareSite: ['CreateNetworkTemplate', 'ConfigureUserCredentials', 'ConfigureNodeProvisioner'],
  VerifyNodes: [],
  PrepareNodes: ['CreateStorageTemplate', 'CreateBootMedia', 'PrepareHardwareConfig'],
  DeployNodes: ['CreateNetworkTemplate', 'ConfigureUserCredentials', 'ConfigureNodeProvisioner', 'CreateStorageTemplate', 'CreateBootMedia', 'PrepareHardwareConfig'],
  DestroyNodes: [],
  RelabelNodes: [],
};

export const SITE_STEP_DRIVER: Record<SiteStep, DriverKind | 'design'> = {
  LoadDesign: 'design',
  ValidateNodeServices: 'node',
  ValidateNetworkServices: 'network',
  ValidateKubernetesServices: 'kubernetes',
  CreateNetworkTemplate: 'node',
  ConfigureUserCredentials: 'node',
  ConfigureNodeProvisioner: 'node',
  CreateStorageTemplate: 'node',
  CreateBootMedia: 'node',
  PrepareHardwareConfig: 'node',
};

/** Why a driver kind cannot act for this site, or undefined when it can. */
export function siteDriverMissing(kind: DriverKind, site: SiteContext): string | undefined {
  switch (kind) {
    case 'node':
      return site.region.drivers.node ? undefined : 'no node driver is configured (Region drivers.node)';
    case 'network':
      return site.region.drivers.network ? undefined : 'no network driver is configured (Region drivers.network)';
    case 'kubernetes':
      return site.region.drivers.kubernetes ? undefined : 'no Kubernetes driver is configured (Region drivers.kubernetes)';
    case 'oob':
      return undefined;
  }
}

function skipReason(step: NodeStep, node: NodeModel, site: SiteContext): string | undefined {
  const kind = STEP_DRIVER[step];
  if (kind === 'oob') return node.oob.type ? undefined : 'the node has no oob.type: no OOB driver is configured for it';
  const missing = siteDriverMissing(kind, site);
  if (missing) return missing;
  if (kind === 'network' && !node.interfaces.some((i) => i.switchPorts.length > 0)) {
    return 'the design gives this node no switch ports (interfaces.*.switch_ports)';
  }
  return undefined;
}

export function nodePlan(action: SiteAction, node: NodeModel, site: SiteContext): PlannedStep[] {
  return NODE_STEPS[action].map((step) => ({ step, driver: STEP_DRIVER[step], skipReason: skipReason(step, node, site) }));
}
