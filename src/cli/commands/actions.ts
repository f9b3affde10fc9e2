import { Command, Option } from 'commander';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DrydockClient, StartOptions } from '../../client';
import { CliExit, EXIT, EXIT_CODES_HELP } from '../exit-codes';
import { runFailure } from '../node-run';
import type { SiteAction, SiteActionOptions } from '../../contracts/deployment';
import { withClient } from '../client-connection';
import { ConnectionFlags, withConnectionOptions } from '../connection-options';
import { checkFilterAgainstDesign, designForRun, filterFromFlags, FilterFlags, withFilterOptions } from '../design-loading';
import { renderResult, renderStatus } from '../render';
import { durationMs, segmentRoutingFromFlags, wholeNumber, withSegmentOptions } from '../option-parsers';
import { exitCodeFor, watchRun } from './operate';

interface ActionFlags extends ConnectionFlags, FilterFlags {
  wait?: boolean;
  watch?: boolean;
  json?: boolean;
  parallel?: number;
  perRack?: number;
  retryWindow?: number;
  workflowId?: string;
  byPath?: boolean;
  segmentQueues?: boolean;
  segmentWait?: number;
}

const ACTIONS: Array<{ command: string; action: SiteAction; summary: string; nodes: boolean; example: string }> = [
  { command: 'deploy', action: 'DeployNodes', summary: 'deploy nodes: PXE, commission, network, storage, platform, OS, ports, labels', nodes: true, example: 'drydock deploy site/ --rack rack1 --watch' },
  { command: 'prepare-site', action: 'PrepareSite', summary: 'prepare the site: network template, user credentials, provisioner', nodes: false, example: 'drydock prepare-site site/ --wait' },
  { command: 'prepare-nodes', action: 'PrepareNodes', summary: 'prepare nodes: PXE boot, power cycle, identify, commission', nodes: true, example: "drydock prepare-nodes site/ --label role=compute --wait" },
  { command: 'verify-site', action: 'VerifySite', summary: 'check that the site services (MAAS, switches, Kubernetes) answer', nodes: false, example: 'drydock verify-site site/ --wait' },
  { command: 'verify', action: 'VerifyNodes', summary: "check every selected node's BMC and read its state", nodes: true, example: 'drydock verify site/ --node controller01 --wait' },
  { command: 'destroy', action: 'DestroyNodes', summary: 'release nodes (erasing disks), power them off, ports back to provisioning', nodes: true, example: 'drydock destroy site/ --node compute02 --wait' },
  { command: 'relabel', action: 'RelabelNodes', summary: "set the Kubernetes labels of nodes to the design's", nodes: true, example: 'drydock relabel site/ --tag storage --wait' },
];

export function registerActionCommands(program: Command): void {
  for (const spec of ACTIONS) {
    let command = program
      .command(`${spec.command} <design...>`)
      .summary(spec.summary)
      .description(
        `Starts a ${spec.action} workflow on the design (files, folders, or - for stdin) and prints its id.\n` +
          'The design is validated first; a design with errors is refused before any work starts.',
      )
      .option('--wait', 'wait for the result and print it (exit 1 on failure or partial success, 4 when nodes were skipped)')
      .option('--watch', 'follow per-node progress live until the run ends')
      .option('--json', 'print JSON')
      .option('--workflow-id <id>', 'workflow id to use (default: <action>:<time>:<random>); an id already used, even by a closed run, is refused')
      .addOption(new Option('--retry-window <duration>', 'how long a run with failed nodes waits for `drydock retry` (e.g. 30m, 2h, 0s)').argParser(durationMs).default(3_600_000, '1h'))
      .option('--by-path', 'send the design as file paths (workers must see the same files) instead of its contents');
    if (spec.nodes) {
      command = withFilterOptions(command)
        .addOption(new Option('--parallel <n>', 'nodes worked on at once').argParser(wholeNumber(1)).default(50))
        .addOption(new Option('--per-rack <n>', 'nodes worked on at once per rack').argParser(wholeNumber(1)));
      command = withSegmentOptions(command, 'the run should');
    }
    withConnectionOptions(command)
      .addHelpText('after', `\n${EXIT_CODES_HELP}\n\nExample:\n  ${spec.example}\n`)
      .action((paths: string[], flags: ActionFlags) => runAction(spec.action, paths, flags, spec.nodes));
  }
}

async function runAction(action: SiteAction, paths: string[], flags: ActionFlags, needsNodes: boolean): Promise<void> {
  const { ref: design, site } = await designForRun(paths, { byPath: flags.byPath === true });
  const filter = filterFromFlags(flags);
  // Checked here, before anything starts: the workflow would only find out in its first activity.
  if (needsNodes) checkFilterAgainstDesign(site, filter);
  const options: SiteActionOptions = {
    maxParallelNodes: flags.parallel,
    maxParallelPerRack: flags.perRack,
    retryWindow: flags.retryWindow ?? 3_600_000,
    requestedBy: `drydock CLI (${process.env.USER ?? 'unknown user'})`,
    ...segmentRoutingFromFlags(flags),
  };
  await withClient(flags, async (client) => {
    const { workflowId } = await startOnce(client, action, { design, filter, options, workflowId: flags.workflowId });
    if (!flags.wait && !flags.watch) {
      process.stdout.write(flags.json ? `${JSON.stringify({ workflowId })}\n` : `Started ${action}: ${workflowId}\nFollow it with: drydock watch ${workflowId}\n`);
      return;
    }
    if (!flags.json) process.stderr.write(`Started ${action}: ${workflowId}\n`);
    const status = flags.watch ? await watchRun(client, workflowId, { json: flags.json }) : await client.waitForResult(workflowId);
    if (status.failure) status.failure = (await runFailure(client, workflowId)) ?? status.failure;
    if (flags.wait && !flags.watch) {
      process.stdout.write(`${flags.json ? JSON.stringify(status, null, 2) : status.result ? renderResult(status.result) : renderStatus(status)}\n`);
    }
    process.exitCode = exitCodeFor(status);
  });
}

/** Starts the run; a workflow id already used (by a running or a closed run) is refused with exit 2
 * naming that run, so an old result never hides behind a new run of the same id. */
async function startOnce(client: DrydockClient, action: SiteAction, start: StartOptions): Promise<{ workflowId: string; runId: string }> {
  try {
    return await client.startAction(action, start);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError) || start.workflowId === undefined) throw err;
    const id = start.workflowId;
    let old = '';
    try {
      const d = await client.client.workflow.getHandle(id).describe();
      old = ` by a ${d.type} run (run id ${d.runId}, ${d.status.name}, started ${d.startTime.toISOString()})`;
    } catch {
      // The description only adds detail to the message.
    }
    throw new CliExit(EXIT.badInput, `workflow id ${id} is already used${old}; see it with \`drydock status ${id}\`, or choose another --workflow-id`);
  }
}
