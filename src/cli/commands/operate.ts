import { Command, Option } from 'commander';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { DeploymentStatus, DrydockClient, StatusOptions } from '../../client';
import type { ExecutionSummary } from '../../client/summaries';
import { DEFAULT_NODE_DETAILS, DrydockNotFoundError } from '../../client';
import { SITE_ACTIONS } from '../../contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { withClient } from '../client-connection';
import { wholeNumber } from '../option-parsers';
import { ConnectionFlags, withConnectionOptions } from '../connection-options';
import { CliExit, EXIT, EXIT_CODES_HELP } from '../exit-codes';
import { isNodeRun, nodeRunExitCode, nodeRunStatus, renderNodeRun, runFailure } from '../node-run';
import { renderResult, renderStatus, renderSummaries } from '../render';
import { askRunningRun, checkWorkflowId, describeRun, noWorkerMessage, refuseClosed, WORKER_QUERY_TIMEOUT_MS, workflowPollers } from '../run-lookup';

interface JsonFlag extends ConnectionFlags {
  json?: boolean;
}

/** Node states `--state` accepts (NodeProgress.state). */
const NODE_STATES = ['pending', 'running', 'paused', 'awaiting-confirmation', 'succeeded', 'failed', 'skipped', 'aborted'] as const;
/** Nodes a terminal shows by default: counts cover every node, the rest is a flag away. */
const CLI_PAGE = 100;

interface PageFlags {
  state?: string;
  offset?: number;
  limit?: number;
  node?: string;
}

/** The page options of status and watch: counts of every node first, then one page. */
function withPageOptions(command: Command): Command {
  return command
    .addOption(new Option('--state <state>', 'only nodes in this state').choices(NODE_STATES))
    .addOption(new Option('--node <name>', 'only this node'))
    .addOption(new Option('--offset <n>', 'skip the first n nodes (of those in --state)').argParser(wholeNumber(0)).default(0))
    .addOption(new Option('--limit <n>', 'show at most n nodes; the counts cover every node').argParser(wholeNumber(0)).default(CLI_PAGE));
}

function pageOf(flags: PageFlags): StatusOptions {
  return { offset: flags.offset ?? 0, limit: flags.limit ?? CLI_PAGE, ...(flags.state ? { state: flags.state as StatusOptions['state'] } : {}), ...(flags.node ? { node: flags.node } : {}) };
}

const print = (text: string): void => void process.stdout.write(`${text}\n`);

/**
 * 0 success (or still running without failures), 1 failure or partial success, 4 nothing failed
 * but nodes were skipped (`result.skipped`): not everything asked was done.
 */
export function exitCodeFor(status: DeploymentStatus): number {
  if (status.failure) return EXIT.failure;
  if (['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'].includes(status.execution)) return EXIT.failure;
  const result = status.result;
  if (result && result.failures.length > 0) return EXIT.failure;
  if (result && result.skipped.length > 0) return EXIT.incomplete;
  if (result && result.status !== 'success') return EXIT.failure;
  if (status.progress && status.progress.counts.failed > 0) return EXIT.failure;
  return EXIT.ok;
}

/** Values `drydock list --result` accepts (DrydockResult of site and node workflows). */
export const LIST_RESULTS = ['running', 'success', 'partial_success', 'failure', 'aborted', 'skipped', 'incomplete'] as const;

function checkListFilter(flags: { result?: string; action?: string }): void {
  if (flags.result !== undefined && !(LIST_RESULTS as readonly string[]).includes(flags.result)) {
    throw new CliExit(EXIT.badInput, `--result ${JSON.stringify(flags.result)} is not a result; use one of: ${LIST_RESULTS.join(', ')}`);
  }
  if (flags.action !== undefined && !(SITE_ACTIONS as readonly string[]).includes(flags.action)) {
    throw new CliExit(EXIT.badInput, `--action ${JSON.stringify(flags.action)} is not an action; use one of: ${SITE_ACTIONS.join(', ')}`);
  }
}

/** `status`: a site run through the client, a node workflow from its own query or result; a
 * running run that no worker serves is shown from its description, as waiting (exit 3). */
async function showStatus(client: DrydockClient, id: string, json: boolean, page: StatusOptions): Promise<number> {
  const description = await describeRun(client, id);
  if (isNodeRun(description)) {
    const status = await nodeRunStatus(client, id, description);
    print(json ? JSON.stringify(status, null, 2) : renderNodeRun(status));
    return nodeRunExitCode(status);
  }
  let status: DeploymentStatus | undefined;
  let waitingFor: string | undefined;
  if (description.status.name === 'RUNNING') {
    if ((await workflowPollers(client, description.taskQueue)) === 0) waitingFor = noWorkerMessage(id, description.taskQueue);
    else status = await workerAnswer(() => askRunningRun(client, id, description, () => client.getStatus(id, page), WORKER_QUERY_TIMEOUT_MS), (message) => (waitingFor = message));
  } else {
    status = await client.getStatus(id, page);
  }
  if (!status || waitingFor !== undefined) {
    const waiting: DeploymentStatus = { workflowId: id, runId: description.runId, action: description.type, execution: description.status.name, startTime: description.startTime };
    const message = waitingFor ?? noWorkerMessage(id, description.taskQueue);
    print(json ? JSON.stringify({ ...waiting, waitingForWorker: { taskQueue: description.taskQueue, message } }, null, 2) : `${renderStatus(waiting)}\n  waiting for a worker: ${message}`);
    return EXIT.unreachable;
  }
  if (status.failure) status.failure = (await runFailure(client, id)) ?? status.failure;
  print(json ? JSON.stringify(status, null, 2) : renderStatus(status));
  return exitCodeFor(status);
}

/** `fn`'s value, or undefined after handing the message of a worker that did not answer
 * (exit 3 from askRunningRun) to `onNoAnswer`. */
async function workerAnswer<T>(fn: () => Promise<T>, onNoAnswer: (message: string) => void): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CliExit && err.code === EXIT.unreachable) {
      onNoAnswer(err.message);
      return undefined;
    }
    throw err;
  }
}

/** The site run of a control command; a node workflow is refused, naming its site run. */
function siteRunOnly(id: string, description: WorkflowExecutionDescription, name: string): void {
  if (!isNodeRun(description)) return;
  const parent = description.parentExecution?.workflowId;
  throw new CliExit(EXIT.badInput, `${id} is a node workflow; ${name} acts on the site run${parent ? `: drydock ${name} ${parent}` : ' that started it (drydock list)'}`);
}

/** confirm --node: the node must be one of the run's nodes. */
async function checkConfirmNode(client: DrydockClient, id: string, description: WorkflowExecutionDescription, node: string): Promise<void> {
  if (isNodeRun(description)) {
    const own = description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.DrydockNode);
    if (own !== undefined && own !== node) throw new CliExit(EXIT.badInput, `${id} is the node workflow of node ${own}, not of ${node}`);
    return;
  }
  // One node asked for, through the lanes of large runs: no page of a 10,000-node list.
  const status = await askRunningRun(client, id, description, () => client.getStatus(id, { node, limit: 1, details: 0 }), WORKER_QUERY_TIMEOUT_MS);
  const progress = status.progress;
  if (progress && (progress.page?.matched ?? progress.nodes.length) === 0) {
    const some = await client.getStatus(id, { limit: 10, details: 0 });
    const names = (some.progress?.nodes ?? []).map((n) => n.node);
    const total = some.progress?.counts.total ?? 0;
    throw new CliExit(EXIT.badInput, `run ${id} has no node "${node}"${names.length ? `; its nodes: ${names.join(', ')}${total > names.length ? `, ... (${total} in all)` : ''}` : ` (it has no nodes yet, phase ${progress.phase})`}`);
  }
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DrydockNotFoundError) throw new CliExit(EXIT.badInput, err.message);
    const message = err instanceof Error ? err.message : String(err);
    if (/update .*rejected|rejected/i.test(message) || (err as { name?: string }).name === 'WorkflowUpdateFailedError') {
      throw new CliExit(EXIT.failure, `refused: ${(err as { cause?: { message?: string } }).cause?.message ?? message}`);
    }
    throw err;
  }
}

function statusLines(status: DeploymentStatus): Map<string, string> {
  const lines = new Map<string, string>();
  for (const n of status.progress?.nodes ?? []) {
    lines.set(n.node, `${n.node}: ${n.state}${n.step ? ` ${n.step}` : ''}${n.attempt && n.attempt > 1 ? ` (attempt ${n.attempt})` : ''}${n.lastError ? ` — ${n.lastError}` : ''}${n.confirmationPrompt ? ` — ${n.confirmationPrompt}` : ''}`);
  }
  return lines;
}

/** Follows a run until it ends: redraws in a terminal, prints one line per change otherwise. */
export async function watchRun(client: DrydockClient, workflowId: string, options: { json?: boolean; intervalMs?: number; page?: StatusOptions } = {}): Promise<DeploymentStatus> {
  const tty = process.stdout.isTTY === true && !options.json;
  let drawn = 0;
  let previous = new Map<string, string>();
  let last: DeploymentStatus | undefined;
  for await (const event of client.watch(workflowId, { intervalMs: options.intervalMs, progress: options.page ?? { limit: CLI_PAGE } })) {
    last = event.status;
    if (options.json) {
      print(JSON.stringify({ at: event.at.toISOString(), ...event.status }));
    } else if (tty) {
      const text = renderStatus(event.status);
      if (drawn > 0) process.stdout.write(`\x1b[${drawn}A\x1b[0J`);
      process.stdout.write(`${text}\n`);
      drawn = text.split('\n').length;
    } else {
      const current = statusLines(event.status);
      for (const [node, line] of current) if (previous.get(node) !== line) print(`${event.at.toISOString()} ${line}`);
      previous = current;
    }
  }
  if (!last) throw new CliExit(EXIT.failure, `no status for ${workflowId}`);
  if (!options.json && !tty) {
    const final = last.result ? renderResult(last.result, last.progress ? undefined : last.nodePage) : renderStatus(last);
    print(final);
  }
  return last;
}

const EXAMPLES = {
  status: 'drydock status DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
  watch: 'drydock watch DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
  list: 'drydock list --site sitename --action DeployNodes --result failure',
  history: 'drydock history controller01',
  abort: 'drydock abort DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
  pause: 'drydock pause DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
  resume: 'drydock resume DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
  confirm: 'drydock confirm DeployNodes:2026-11-26T10-00-00-000Z:ab12cd --node compute01',
  retry: 'drydock retry DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
  finish: 'drydock finish DeployNodes:2026-11-26T10-00-00-000Z:ab12cd',
};

function example(command: Command, key: keyof typeof EXAMPLES): Command {
  return command.addHelpText('after', `\nExample:\n  ${EXAMPLES[key]}\n\n${EXIT_CODES_HELP}\n${key === 'status' || key === 'watch' ? 'A running run that no worker serves is shown as waiting for a worker, with exit code 3.\n' : ''}`);
}

export function registerOperateCommands(program: Command): void {
  example(
    withPageOptions(
      withConnectionOptions(
        program
          .command('status <workflow-id>')
          .summary('show a run: node counts, then a page of nodes (step, attempt, elapsed, last error)')
          .description(`Shows a run: counts of every node first, then one page of its nodes (--offset, --limit, default ${CLI_PAGE}; --state or --node to pick them). The first ${DEFAULT_NODE_DETAILS} running nodes of the page are shown with their node workflow's step, attempt and last error.`)
          .option('--json', 'print JSON'),
      ),
    ),
    'status',
  ).action((id: string, flags: JsonFlag & PageFlags) =>
    withClient(flags, async (client) => {
      process.exitCode = await guard(() => showStatus(client, checkWorkflowId(id), flags.json === true, pageOf(flags)));
    }),
  );

  example(
    withPageOptions(
      withConnectionOptions(
        program
          .command('watch <workflow-id>')
          .summary('follow a run live until it ends')
          .description(`Follows a run: redraws the node counts and one page of nodes (--offset, --limit, default ${CLI_PAGE}; --state or --node) in a terminal; prints a line per change of a node of the page when output is not a terminal.`)
          .option('--json', 'print one JSON status per refresh')
          .addOption(new Option('--interval <ms>', 'refresh interval').default('1000')),
      ),
    ),
    'watch',
  ).action((id: string, flags: JsonFlag & PageFlags & { interval: string }) =>
    withClient(flags, async (client) => {
      const description = await describeRun(client, id);
      if (isNodeRun(description)) {
        const parent = description.parentExecution?.workflowId;
        throw new CliExit(EXIT.badInput, `${id} is a node workflow: show it with \`drydock status ${id}\`${parent ? `, or follow its site run with \`drydock watch ${parent}\`` : ''}`);
      }
      if (description.status.name === 'RUNNING' && (await workflowPollers(client, description.taskQueue)) === 0) throw new CliExit(EXIT.unreachable, noWorkerMessage(id, description.taskQueue));
      const last = await guard(() => watchRun(client, id, { json: flags.json, intervalMs: Number(flags.interval), page: pageOf(flags) }));
      process.exitCode = exitCodeFor(last);
    }),
  );

  example(
    withConnectionOptions(
      program
        .command('list')
        .summary('list runs by site, node, action or result (Temporal visibility)')
        .option('--site <name>', 'only this site')
        .option('--node <name>', 'only node workflows of this node')
        .option('--action <name>', 'e.g. DeployNodes')
        .option('--result <result>', 'running, success, partial_success, failure, aborted, skipped, incomplete')
        .option('--nodes', 'list per-node workflows instead of site runs')
        .option('--limit <n>', 'at most n rows', '50')
        .option('--json', 'print JSON'),
    ),
    'list',
  ).action((flags: JsonFlag & { site?: string; node?: string; action?: string; result?: string; nodes?: boolean; limit: string }) =>
    withClient(flags, async (client) => {
      checkListFilter(flags);
      const filter = { site: flags.site, node: flags.node, action: flags.action, result: flags.result, siteWorkflows: flags.node || flags.nodes ? false : true };
      const rows: ExecutionSummary[] = await client.list({ ...filter, limit: Number(flags.limit) });
      // A full page may be a slice of thousands (a 10,000-node run's node workflows): say how many.
      const total = !flags.json && rows.length > 0 && rows.length >= Number(flags.limit) ? await client.count(filter).catch(() => undefined) : undefined;
      print(flags.json ? JSON.stringify(rows, null, 2) : `${renderSummaries(rows)}${total !== undefined && total > rows.length ? `\n(${rows.length} of ${total} matching; --limit ${total} for all)` : ''}`);
    }),
  );

  example(
    withConnectionOptions(
      program
        .command('history <node>')
        .summary('every operation ever run on a node, newest first')
        .option('--site <name>', 'only this site (node names may repeat across sites)')
        .option('--limit <n>', 'at most n rows', '100')
        .option('--json', 'print JSON'),
    ),
    'history',
  ).action((node: string, flags: JsonFlag & { site?: string; limit: string }) =>
    withClient(flags, async (client) => {
      if (node.trim() === '') throw new CliExit(EXIT.badInput, 'the node name is empty: give a BaremetalNode name, e.g. drydock history controller01');
      const rows = await client.history(node, { site: flags.site, limit: Number(flags.limit) });
      print(flags.json ? JSON.stringify(rows, null, 2) : rows.length ? renderSummaries(rows) : `No operation has run on node ${node}.`);
    }),
  );

  /** How a control command reaches the run: a signal (accepted without a worker) or a query or
   * update (needs a worker: bounded by askRunningRun). */
  const control = (
    name: keyof typeof EXAMPLES,
    summary: string,
    how: { siteOnly: boolean; needsWorker: boolean; what: string },
    run: (client: DrydockClient, id: string, flags: JsonFlag & { node?: string }, description: WorkflowExecutionDescription) => Promise<unknown>,
    describe: (value: unknown, id: string, flags: { node?: string }) => string,
    extra?: (c: Command) => Command,
  ): void => {
    let command = withConnectionOptions(program.command(`${name} <workflow-id>`).summary(summary).option('--json', 'print JSON'));
    if (extra) command = extra(command);
    example(command, name).action((id: string, flags: JsonFlag & { node?: string }) =>
      withClient(flags, async (client) => {
        const description = await describeRun(client, id);
        if (how.siteOnly) siteRunOnly(id, description, name);
        refuseClosed(id, description, how.what);
        const call = (): Promise<unknown> => run(client, id, flags, description);
        const value = await guard(() => (how.needsWorker ? askRunningRun(client, id, description, call) : call()));
        print(flags.json ? JSON.stringify({ workflowId: id, result: value ?? null }) : describe(value, id, flags));
      }),
    );
  };

  control('abort', 'cancel all node work of a run (activities clean up)', { siteOnly: true, needsWorker: true, what: 'abort' }, (c, id) => c.abort(id), (v, id) => `Aborted ${id}; nodes that were running: ${(v as string[]).join(', ') || 'none'}.`);
  control('pause', 'start no new node and no new step until resumed', { siteOnly: false, needsWorker: false, what: 'pause' }, (c, id) => c.pause(id), (_v, id) => `Paused ${id}: running steps finish, no new step starts.`);
  control('resume', 'resume a paused run', { siteOnly: false, needsWorker: false, what: 'resume' }, (c, id) => c.resume(id), (_v, id) => `Resumed ${id}.`);
  control(
    'confirm',
    'confirm the manual OOB step of a node',
    { siteOnly: false, needsWorker: false, what: 'confirm' },
    async (c, id, flags, description) => {
      if (!flags.node) throw new CliExit(EXIT.badInput, 'confirm needs --node <name>');
      await checkConfirmNode(c, id, description, flags.node);
      return c.confirm(id, flags.node);
    },
    (_v, id, flags) => `Confirmed node ${flags.node} in ${id}.`,
    (c) => c.requiredOption('--node <name>', 'the node whose manual step is done'),
  );
  control('retry', 'retry the failed nodes of a finished run (Update)', { siteOnly: true, needsWorker: true, what: 'retry' }, (c, id) => c.retryFailed(id), (v, id) => `Retrying ${(v as string[]).length} failed node(s) in ${id}: ${(v as string[]).join(', ')}.`);
  control('finish', 'end the retry window of a run with failed nodes', { siteOnly: true, needsWorker: false, what: 'finish' }, (c, id) => c.finish(id), (_v, id) => `Asked ${id} to finish.`);
}
