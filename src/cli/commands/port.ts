import { Argument, Command, Option } from 'commander';
import type { CompiledSite, NodeModel } from '../../design/model';
import { standaloneContext } from '../../drivers/context';
import { DriverError } from '../../drivers/errors';
import { createNetworkDriver, type NetworkDriver, type PortState } from '../../drivers/network';
import type { SiteContext } from '../../drivers/node/interface';
import { SecretResolver } from '../../secrets/resolver';
import { loadCompiledSite } from '../design-loading';
import { CliExit, EXIT, exitCodeForDriverError } from '../exit-codes';

export const PORT_ACTIONS = ['validate', 'interrogate', 'provisioning', 'production'] as const;
export type PortAction = (typeof PORT_ACTIONS)[number];

export interface PortCommandDeps {
  loadSite: (paths: string[]) => Promise<CompiledSite>;
  secrets: () => SecretResolver;
  /** Where results go (stdout); progress and errors go to stderr. */
  write: (text: string) => void;
  /** Per SSH connection / per command, in milliseconds (tests shorten them). */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

const defaultDeps: PortCommandDeps = {
  loadSite: async (paths) => (await loadCompiledSite(paths)).site,
  secrets: () => new SecretResolver(),
  write: (text) => void process.stdout.write(text),
};

interface PortFlags {
  design: string[];
  node?: string;
  json?: boolean;
  verbose?: boolean;
}

function formatPorts(ports: PortState[]): string {
  if (ports.length === 0) return 'the node has no switch ports in the design (interfaces list none in switch_ports)\n';
  const rows = ports.map((p) => [
    `${p.switch}/${p.port}`,
    (p.interfaces ?? []).join(','),
    p.untagged === undefined ? '-' : String(p.untagged),
    p.tagged.length ? p.tagged.join(',') : '-',
    p.up === undefined ? '?' : p.up ? 'up' : 'down',
  ]);
  const header = ['PORT', 'INTERFACE', 'UNTAGGED', 'TAGGED', 'ADMIN'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

function findNode(site: CompiledSite, name: string): NodeModel {
  const node = site.nodes.find((n) => n.name === name);
  if (node) return node;
  const names = site.nodes.map((n) => n.name);
  throw new CliExit(EXIT.badInput, `the design has no node "${name}" (${names.length ? `its nodes: ${names.join(', ')}` : 'it has no nodes'})`);
}

export function registerPortCommand(program: Command, overrides: Partial<PortCommandDeps> = {}): void {
  const deps: PortCommandDeps = { ...defaultDeps, ...overrides };
  program
    .command('port')
    .summary("inspect or configure a node's switch ports")
    .description(
      [
        "Runs one network-driver action for a node's switch ports, outside any",
        'workflow, to troubleshoot the switches of a site design.',
        '',
        "The design's Region names the driver (data.drivers.network), the Rack's",
        'tor_switches say how to reach each switch, and each node interface\'s',
        'switch_ports say which ports are cabled to it. Credentials are resolved',
        'from their references (env:, file:, secret:) in this shell.',
        '',
        'Actions:',
        '  validate      reach every switch that has ssh settings: host key,',
        '                key login, VLAN-aware bridge',
        "  interrogate   show the node's ports: untagged VLAN (PVID), tagged",
        '                VLANs, admin state',
        '  provisioning  carry only the PXE network, untagged, on the ports the',
        '                node boots from',
        "  production    carry the designed networks: the link's default network",
        "                untagged, the interface's other networks tagged when",
        '                the link trunks 802.1q',
        '',
        'provisioning and production change only what differs and say what.',
      ].join('\n'),
    )
    .addArgument(new Argument('<action>', 'what to do').choices(PORT_ACTIONS))
    .addOption(new Option('--design <path...>', 'site design: YAML files or folders of them').makeOptionMandatory())
    .addOption(new Option('--node <name>', 'the BaremetalNode whose ports to act on (not needed for validate)'))
    .addOption(new Option('--json', 'print the result as JSON'))
    .addOption(new Option('-v, --verbose', 'print what the driver does, to stderr'))
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 done; 1 failed (key or host key refused, switch busy or',
        '            unsupported); 2 bad input (design, unknown node, port or',
        '            switch); 3 switch unreachable or timed out.',
        '',
        'Examples:',
        '  drydock port validate --design site/',
        '  drydock port interrogate --design site/ --node compute01',
        '  drydock port production --design site/ --node compute01 --json',
        '',
      ].join('\n'),
    )
    .action(async (action: PortAction, flags: PortFlags) => {
      if (action !== 'validate' && flags.node === undefined) throw new CliExit(EXIT.badInput, `drydock port ${action} needs --node <name>: the node whose ports to act on`);
      const compiled = await deps.loadSite(flags.design);
      const { nodes: _nodes, ...site } = compiled;
      const node = flags.node === undefined ? undefined : findNode(compiled, flags.node);
      const config = site.region.drivers.network;
      if (!config) throw new CliExit(EXIT.badInput, `the design's Region ${site.region.name} configures no network driver (data.drivers.network)`);

      const controller = new AbortController();
      const onSignal = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      const ctx = standaloneContext({ signal: controller.signal, log: flags.verbose ? (m) => void process.stderr.write(`${m}\n`) : undefined });
      try {
        const driver: NetworkDriver = createNetworkDriver(config, { secrets: deps.secrets(), connectTimeoutMs: deps.connectTimeoutMs, commandTimeoutMs: deps.commandTimeoutMs });
        await run(driver, action, site, node, ctx, flags, deps.write);
      } catch (err) {
        if (err instanceof DriverError) throw new CliExit(exitCodeForDriverError(err), `${err.message} [${err.type}]`);
        throw err;
      } finally {
        process.removeListener('SIGINT', onSignal);
      }
    });
}

async function run(driver: NetworkDriver, action: PortAction, site: SiteContext, node: NodeModel | undefined, ctx: ReturnType<typeof standaloneContext>, flags: PortFlags, write: (text: string) => void): Promise<void> {
  switch (action) {
    case 'validate': {
      const check = await driver.validateNetworkServices(site, ctx);
      if (flags.json) write(`${JSON.stringify(check, null, 2)}\n`);
      if (!check.ok) throw new CliExit(EXIT.failure, `NOT OK: ${check.message}`);
      if (!flags.json) write(`ok: ${check.message}\n`);
      return;
    }
    case 'interrogate': {
      const ports = await driver.interrogatePort(node as NodeModel, site, ctx);
      write(flags.json ? `${JSON.stringify(ports, null, 2)}\n` : formatPorts(ports));
      return;
    }
    case 'provisioning':
    case 'production': {
      const outcome = action === 'provisioning' ? await driver.configurePortProvisioning(node as NodeModel, site, ctx) : await driver.configurePortProduction(node as NodeModel, site, ctx);
      write(flags.json ? `${JSON.stringify(outcome, null, 2)}\n` : `${outcome.changed ? 'changed' : 'unchanged'}: ${outcome.message}\n`);
      return;
    }
  }
}
