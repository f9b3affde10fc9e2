import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_SCENARIOS } from '../../support/history-scenarios';
import { readRunState } from '../../support/run-state';
import { quietBundlerLogger } from '../../support/temporal';

const HISTORIES_DIR = join(__dirname, '..', '..', 'histories');
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('recorded workflow histories replay against the current workflow code', () => {
  it('has a recorded history for every scenario', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const scenario of HISTORY_SCENARIOS) expect(names).toContain(scenario.name);
  });

  it.each(files)('%s replays without a non-determinism error', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
    expect(history.events?.length).toBeGreaterThan(3);
    // The id it was recorded with (scripts/record-histories.ts): a site run names its lanes after it.
    const workflowId = `history-${file.replace(/\.json$/, '')}`;
    await Worker.runReplayHistory({ workflowBundle: { codePath: readRunState().workflowBundlePath } }, history, workflowId);
  });
});

describe('the replay check itself', () => {
  it('fails when a workflow changes its commands without a patch (changed stackCheck fixture)', async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, 'stack-check.json'), 'utf8')));
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../fixtures/nondeterministic/workflows'),
      logger: quietBundlerLogger,
    });
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history, 'changed-stack-check')).rejects.toThrow(DeterminismViolationError);
  }, 60_000);
});
