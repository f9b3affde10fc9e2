import { Command, Option } from 'commander';
import { isSiteAction, SITE_ACTIONS } from '../../contracts/deployment';
import {
  calendarToCron,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  ScheduleInputError,
  ScheduleNotFoundError,
  triggerSchedule,
  unpauseSchedule,
} from '../../client/schedules';
import { withClient } from '../client-connection';
import { ConnectionFlags, withConnectionOptions } from '../connection-options';
import { designRefForRun, filterFromFlags, FilterFlags, withFilterOptions } from '../design-loading';
import { CliExit, EXIT } from '../exit-codes';
import { wholeNumber } from '../option-parsers';
import { duration, table } from '../render';

interface CreateFlags extends ConnectionFlags, FilterFlags {
  design: string[];
  action: string;
  cron?: string[];
  every?: string;
  timezone?: string;
  overlap: string;
  catchupWindow: string;
  pauseOnFailure: boolean;
  pin?: boolean;
  note?: string;
  parallel?: number;
  json?: boolean;
}

const print = (text: string): void => void process.stdout.write(`${text}\n`);

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliExit(EXIT.badInput, `no such schedule: ${err.message}`);
    if (err instanceof ScheduleInputError) throw new CliExit(EXIT.badInput, err.message);
    if ((err as { name?: string }).name === 'ScheduleAlreadyRunning') throw new CliExit(EXIT.badInput, 'a schedule with this name already exists');
    throw err;
  }
}

/** The SDK turns the server's INVALID_ARGUMENT on a schedule into a TypeError carrying the
 * server's words ("CronString does not have 5-7 fields", "unknown time zone X"): bad input. */
async function refusedSpec<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof TypeError) {
      throw new CliExit(
        EXIT.badInput,
        `Temporal refused the schedule: ${err.message}. --cron takes 5 fields (minute hour day-of-month month day-of-week, e.g. '0 3 * * *'), ` +
          `--timezone an IANA name (e.g. Europe/Berlin), --every a duration (e.g. 24h)`,
      );
    }
    throw err;
  }
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').summary('re-provision periodically with Temporal Schedules').description(
    'Temporal Schedules that start drydock runs periodically. Runs never act on a node another run holds\n' +
      '(that node is reported as skipped). The overlap policy is skip by default; a failed run pauses the schedule.',
  );

  withConnectionOptions(
    withFilterOptions(
      schedule
        .command('create <name>')
        .summary('create a schedule')
        .description('Creates a Temporal Schedule that starts a site action (DeployNodes by default) on a cron or interval spec.\nEach run is an ordinary site workflow: it never acts on a node another run holds, and by default\na failed run pauses the schedule until someone unpauses it.')
        .requiredOption('--design <path...>', 'design files or folders (read by the workers at each run, unless --pin)')
        .addOption(new Option('--action <action>', 'the site action to run').choices([...SITE_ACTIONS]).default('DeployNodes'))
        .option('--cron <expr...>', "cron expression(s), e.g. '0 3 * * *'")
        .option('--every <duration>', 'interval, e.g. 24h or 30m')
        .option('--timezone <tz>', 'time zone of the cron expressions, e.g. Europe/Berlin')
        .addOption(new Option('--overlap <policy>', 'what to do when a run is still going').choices(['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL']).default('SKIP'))
        .option('--catchup-window <duration>', 'how far back missed runs are caught up after an outage', '10m')
        .option('--no-pause-on-failure', 'keep running after a failed run')
        .option('--pin', 'pin the design content now (default: read the files at each run)')
        .addOption(new Option('--parallel <n>', 'nodes worked on at once').argParser(wholeNumber(1)))
        .option('--note <text>', 'a note shown in `schedule describe` and the web UI')
        .option('--json', 'print JSON')
        .addHelpText('after', "\nExamples:\n  drydock schedule create nightly-compute --design site/ --rack rack2 --cron '0 3 * * *'\n  drydock schedule create relabel --action RelabelNodes --design site/ --every 1h\n"),
    ),
  ).action((name: string, flags: CreateFlags) =>
    withClient(flags, async (client) => {
      if (!isSiteAction(flags.action)) throw new CliExit(EXIT.badInput, `unknown action ${flags.action}`);
      const design = await designRefForRun(flags.design, flags.pin ? { byPath: false } : { byPath: true, pinContent: false });
      const id = await guard(() =>
        refusedSpec(createSchedule(client, {
          scheduleId: name,
          action: flags.action as (typeof SITE_ACTIONS)[number],
          design,
          filter: filterFromFlags(flags),
          options: flags.parallel ? { maxParallelNodes: flags.parallel } : undefined,
          spec: { cron: flags.cron, every: flags.every as never, timezone: flags.timezone },
          overlap: flags.overlap as 'SKIP',
          catchupWindow: flags.catchupWindow as never,
          pauseOnFailure: flags.pauseOnFailure,
          note: flags.note,
        })),
      );
      print(flags.json ? JSON.stringify({ scheduleId: id }) : `Created schedule ${id}. See it with: drydock schedule describe ${id}`);
    }),
  );

  withConnectionOptions(schedule.command('list').summary('list schedules').option('--json', 'print JSON').addHelpText('after', '\nExample:\n  drydock schedule list\n')).action(
    (flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const rows = await listSchedules(client);
        if (flags.json) return print(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return print('No schedules.');
        print(
          table(
            ['SCHEDULE', 'ACTION', 'PAUSED', 'NEXT RUN', 'NOTE'],
            rows.map((s) => [
              s.scheduleId,
              s.action?.type === 'startWorkflow' ? s.action.workflowType : '',
              s.state.paused ? 'yes' : 'no',
              s.info.nextActionTimes[0]?.toISOString() ?? '-',
              s.state.note ?? '',
            ]),
          ),
        );
      }),
  );

  withConnectionOptions(schedule.command('describe <name>').summary('show a schedule and its recent runs').option('--json', 'print JSON').addHelpText('after', '\nExample:\n  drydock schedule describe nightly-compute\n')).action(
    (name: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const d = await guard(() => describeSchedule(client, name));
        if (flags.json) return print(JSON.stringify(d, null, 2));
        const action = d.action.type === 'startWorkflow' ? d.action.workflowType : d.action.type;
        print(
          [
            `Schedule ${d.scheduleId}: ${action}`,
            `  paused: ${d.state.paused ? 'yes' : 'no'}${d.state.note ? ` (${d.state.note})` : ''}`,
            `  spec: ${[...(d.spec.calendars ?? []).map((c) => `cron ${calendarToCron(c)}`), ...(d.spec.intervals ?? []).map((i) => `every ${duration(Number(i.every))}`)].join('; ') || '(none)'}${d.spec.timezone ? ` (time zone ${d.spec.timezone})` : ' (UTC)'}`,
            `  overlap: ${d.policies.overlap}, catch-up window ${duration(d.policies.catchupWindow)}, pause on failure: ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
            `  next runs: ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ') || '-'}`,
            `  runs: ${d.info.numActionsTaken} taken, ${d.info.numActionsSkippedOverlap} skipped for overlap`,
            ...d.info.recentActions.slice(-5).map((a) => `  recent: ${a.takenAt.toISOString()} ${a.action.workflow.workflowId}`),
            ...d.info.runningActions.map((a) => `  running: ${a.workflow.workflowId}`),
          ].join('\n'),
        );
      }),
  );

  const simple = (verb: string, summary: string, run: (c: Parameters<typeof pauseSchedule>[0], name: string) => Promise<void>, done: string): void => {
    withConnectionOptions(schedule.command(`${verb} <name>`).summary(summary).addHelpText('after', `\nExample:\n  drydock schedule ${verb} nightly-compute\n`)).action(
      (name: string, flags: ConnectionFlags) =>
        withClient(flags, async (client) => {
          await guard(() => run(client, name));
          print(`${done} ${name}.`);
        }),
    );
  };
  simple('pause', 'pause a schedule', (c, n) => pauseSchedule(c, n), 'Paused schedule');
  simple('unpause', 'unpause a schedule', (c, n) => unpauseSchedule(c, n), 'Unpaused schedule');
  simple('trigger', 'start a run now (the overlap policy applies)', (c, n) => triggerSchedule(c, n), 'Triggered schedule');
  simple('delete', 'delete a schedule (runs already started go on)', (c, n) => deleteSchedule(c, n), 'Deleted schedule');
}
