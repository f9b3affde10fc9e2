import { Command, Option } from 'commander';
import type { CompiledSite, NodeModel } from '../../design/model';
import { standaloneContext } from '../../drivers/context';
import { isDriverError } from '../../drivers/errors';
import { createNodeDriver, MaasDriverOptions, NodeDriver, SiteContext } from '../../drivers/node';
import { CredentialResolutionError, SecretResolver } from '../../secrets/resolver';
import { loadCompiledSite } from '../design-loading';
import { CliExit, EXIT, EXIT_CODES_HELP, exitCodeForDriverError } from '../exit-codes';

/**
 * `drydock node <action> --design <path> --node <name>`: runs one node-driver action outside
 * Temporal, for troubleshooting. Same driver, same credential references, same errors as the
 * activities; progress goes to stderr, the result as JSON to stdout.
 */
type Scope = 'service' | 'site' | 'nodes' | 'node';

export const NODE_ACTIONS: Record<string, { seed: string; scope: Scope; summary: string }> = {
  'validate-node-services': { seed: 'ValidateNodeServices', scope: 'service', summary: 'MAAS answers, accepts the API key, has images and a rack controller' },
  'create-network-template': { seed: 'CreateNetworkTemplate', scope: 'site', summary: 'fabrics, VLANs, subnets, IP ranges, static routes, DNS domains' },
  'configure-user-credentials': { seed: 'ConfigureUserCredentials', scope: 'site', summary: "the region's SSH keys in MAAS" },
  'configure-node-provisioner': { seed: 'ConfigureNodeProvisioner', scope: 'site', summary: 'package repositories' },
  'create-storage-template': { seed: 'CreateStorageTemplate', scope: 'nodes', summary: "checks every node's storage design, sets MAAS storage defaults" },
  'create-boot-media': { seed: 'CreateBootMedia', scope: 'nodes', summary: 'imports the images and kernels the nodes use' },
  'prepare-hardware-config': { seed: 'PrepareHardwareConfig', scope: 'site', summary: "the region's hardware tag definitions" },
  'identify-node': { seed: 'IdentifyNode', scope: 'node', summary: 'finds the machine (hostname, BMC address, boot MAC) and names it' },
  'configure-hardware': { seed: 'ConfigureHardware', scope: 'node', summary: 'commissions the machine until Ready' },
  'interrogate-node': { seed: 'InterrogateNode', scope: 'node', summary: "the machine's details as MAAS knows them" },
  'apply-node-networking': { seed: 'ApplyNodeNetworking', scope: 'node', summary: 'interfaces, bonds, VLANs and addresses' },
  'apply-node-storage': { seed: 'ApplyNodeStorage', scope: 'node', summary: 'partitions, filesystems, volume groups' },
  'apply-node-platform': { seed: 'ApplyNodePlatform', scope: 'node', summary: 'kernel parameters and tags' },
  'deploy-node': { seed: 'DeployNode', scope: 'node', summary: 'allocates and deploys until Deployed' },
  'destroy-node': { seed: 'DestroyNode', scope: 'node', summary: 'releases with disk erase until Ready' },
};

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

export function resolveNodeAction(name: string): string {
  const wanted = normalise(name);
  const found = Object.entries(NODE_ACTIONS).find(([kebab, { seed }]) => normalise(kebab) === wanted || normalise(seed) === wanted);
  if (!found) throw new CliExit(EXIT.badInput, `unknown node action "${name}"; actions: ${Object.keys(NODE_ACTIONS).join(', ')}`);
  return found[0];
}

export interface NodeCommandOptions {
  secrets?: SecretResolver;
  maas?: MaasDriverOptions;
  log?: (message: string) => void;
  signal?: AbortSignal;
  driver?: NodeDriver;
}

export interface NodeCommandResult {
  action: string;
  node?: string;
  ok: boolean;
  result: unknown;
}

/** The command's core: one action for one node (or the site) of a compiled design. */
export async function runNodeCommand(site: CompiledSite, nodeName: string | undefined, actionName: string, options: NodeCommandOptions = {}): Promise<NodeCommandResult> {
  const action = resolveNodeAction(actionName);
  const { scope } = NODE_ACTIONS[action];
  const nodes = site.nodes;
  let node: NodeModel | undefined;
  if (nodeName !== undefined) {
    node = nodes.find((n) => n.name === nodeName);
    if (!node) throw new CliExit(EXIT.badInput, `the design has no node "${nodeName}"; its nodes: ${nodes.map((n) => n.name).join(', ') || 'none'}`);
  } else if (scope === 'node') {
    throw new CliExit(EXIT.badInput, `${action} acts on one node: give --node <name> (nodes: ${nodes.map((n) => n.name).join(', ') || 'none'})`);
  }
  const config = site.region.drivers.node;
  if (!config && !options.driver) throw new CliExit(EXIT.badInput, `the design's Region ${site.region.name} configures no node driver (data.drivers.node)`);
  const { nodes: _all, ...siteContext } = site;
  const context: SiteContext = siteContext;
  const ctx = standaloneContext({ signal: options.signal, log: options.log });
  try {
    const driver = options.driver ?? createNodeDriver(config!, { secrets: options.secrets ?? new SecretResolver(), maas: options.maas });
    const target = node ? [node] : nodes;
    let result: unknown;
    switch (action) {
      case 'validate-node-services':
        result = await driver.validateNodeServices(ctx);
        break;
      case 'create-network-template':
        result = await driver.createNetworkTemplate(context, ctx);
        break;
      case 'configure-user-credentials':
        result = await driver.configureUserCredentials(context, ctx);
        break;
      case 'configure-node-provisioner':
        result = await driver.configureNodeProvisioner(context, ctx);
        break;
      case 'create-storage-template':
        result = await driver.createStorageTemplate(context, target, ctx);
        break;
      case 'create-boot-media':
        result = await driver.createBootMedia(context, target, ctx);
        break;
      case 'prepare-hardware-config':
        result = await driver.prepareHardwareConfig(context, ctx);
        break;
      case 'identify-node':
        result = await driver.identifyNode(node!, context, ctx);
        break;
      case 'configure-hardware':
        result = await driver.configureHardware(node!, context, ctx);
        break;
      case 'interrogate-node':
        result = await driver.interrogateNode(node!, context, ctx);
        break;
      case 'apply-node-networking':
        result = await driver.applyNodeNetworking(node!, context, ctx);
        break;
      case 'apply-node-storage':
        result = await driver.applyNodeStorage(node!, context, ctx);
        break;
      case 'apply-node-platform':
        result = await driver.applyNodePlatform(node!, context, ctx);
        break;
      case 'deploy-node':
        result = await driver.deployNode(node!, context, ctx);
        break;
      case 'destroy-node':
        result = await driver.destroyNode(node!, context, ctx);
        break;
    }
    // A service check that is not ok, or a node that is not found, is a failure for the shell.
    const flag = (key: string) => (result && typeof result === 'object' && key in result ? (result as Record<string, unknown>)[key] : undefined);
    const ok = flag('ok') !== false && flag('found') !== false;
    return { action, node: node?.name, ok, result };
  } catch (err) {
    if (isDriverError(err)) throw new CliExit(exitCodeForDriverError(err), `${action}: ${err.message} (${err.type})`);
    if (err instanceof CredentialResolutionError) throw new CliExit(EXIT.badInput, `${action}: ${err.message}`);
    throw err;
  }
}

interface NodeFlags {
  design: string;
  node?: string;
  pollInterval: string;
}

export function registerNodeCommand(program: Command): void {
  const list = Object.entries(NODE_ACTIONS)
    .map(([name, a]) => `  ${name.padEnd(28)} ${a.seed}: ${a.summary}${a.scope === 'node' ? ' (needs --node)' : ''}`)
    .join('\n');
  program
    .command('node')
    .summary('run one node-driver (MAAS) action, for troubleshooting')
    .description('Runs one of Drydock\'s node actions against the node driver the design\'s Region configures (MAAS), outside Temporal.\nCredentials are resolved from their references (env:, file:, secret:) in this shell. The result is printed as JSON.')
    .argument('<action>', 'the action (kebab-case or the seed name, e.g. deploy-node or DeployNode)')
    .requiredOption('--design <path>', 'site design: a YAML file or a folder of them')
    .option('--node <name>', 'the BaremetalNode to act on (site actions take every node, or just this one)')
    .addOption(new Option('--poll-interval <seconds>', 'seconds between MAAS status reads while waiting').default('10'))
    .addHelpText('after', `\nActions:\n${list}\n\n${EXIT_CODES_HELP}\nFor MAAS: 1 API key refused, MAAS busy or an operation failed; 2 bad input (design, unresolvable credential reference, unknown names); 3 MAAS unreachable or timed out.\n\nExample:\n  MAAS_API_KEY=... drydock node identify-node --design site/ --node node01\n`)
    .action(async (actionName: string, flags: NodeFlags) => {
      const action = resolveNodeAction(actionName);
      const seconds = Number(flags.pollInterval);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new CliExit(EXIT.badInput, `--poll-interval must be a positive number of seconds, not "${flags.pollInterval}"`);
      const { site } = await loadCompiledSite([flags.design]);
      const controller = new AbortController();
      const abort = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', abort);
      try {
        const outcome = await runNodeCommand(site, flags.node, action, {
          maas: { pollIntervalMs: seconds * 1000 },
          signal: controller.signal,
          log: (m) => process.stderr.write(`${m}\n`),
        });
        process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
        if (!outcome.ok) process.exitCode = EXIT.failure;
      } finally {
        process.removeListener('SIGINT', abort);
      }
    });
}
