import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { checkTemporalAddress } from '../../../src/cli/client-connection';
import { checkFilterAgainstDesign, filterFromFlags } from '../../../src/cli/design-loading';
import { CliExit } from '../../../src/cli/exit-codes';
import { deepestCause } from '../../../src/cli/node-run';
import { checkWorkflowId } from '../../../src/cli/run-lookup';
import { processDesign } from '../../../src/design';
import { simSiteDesign } from '../../../lab/sim-site';

function exitOf(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliExit) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a CliExit');
}

describe('what the CLI checks before it starts or asks anything', () => {
  const site = processDesign([{ name: 'site.yaml', text: simSiteDesign({ site: 'unit', nodes: 3, racks: 2 }) }]).site!;

  it('node and rack filters name nodes and racks of the design, and select something', () => {
    expect(() => checkFilterAgainstDesign(site, undefined)).not.toThrow();
    expect(() => checkFilterAgainstDesign(site, filterFromFlags({ node: ['node0001'], rack: ['rack01'] }))).not.toThrow();
    expect(exitOf(() => checkFilterAgainstDesign(site, filterFromFlags({ node: ['ghost', 'node0002'] })))).toEqual({ code: 2, message: 'the design has no node "ghost"; its nodes are: node0001, node0002, node0003' });
    expect(exitOf(() => checkFilterAgainstDesign(site, filterFromFlags({ rack: ['nowhere'] })))).toEqual({ code: 2, message: 'the design has no rack "nowhere"; its racks are: rack01, rack02' });
    expect(exitOf(() => checkFilterAgainstDesign(site, filterFromFlags({ tag: ['no-such-tag'] })))).toMatchObject({ code: 2, message: expect.stringContaining('the node filter selects no node of site unit') as unknown });
  });

  it('a Temporal address is host:port with a port 1-65535', () => {
    for (const ok of ['127.0.0.1:7233', 'temporal.example.com:7233', '[::1]:7233', 'localhost:1']) expect(checkTemporalAddress(ok)).toBe(ok);
    for (const bad of ['', 'localhost', 'not an address', 'http://127.0.0.1:7233', '127.0.0.1:0', '127.0.0.1:65536', ':7233']) {
      expect(exitOf(() => checkTemporalAddress(bad))).toMatchObject({ code: 2, message: expect.stringContaining('is not host:port') as unknown });
    }
  });

  it('an empty workflow id is bad input', () => {
    expect(exitOf(() => checkWorkflowId(' '))).toMatchObject({ code: 2, message: expect.stringContaining('the workflow id is empty') as unknown });
    expect(checkWorkflowId('DeployNodes:x')).toBe('DeployNodes:x');
  });

  it('a failed run shows its deepest cause, not "Activity task failed"', () => {
    const reason = ApplicationFailure.nonRetryable('the design has no node "ghost"', 'UnknownNode');
    const activity = new ActivityFailure('Activity task failed', 'loadSiteDesign', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, reason);
    const failed = new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);
    expect(deepestCause(failed)).toEqual({ type: 'UnknownNode', message: 'the design has no node "ghost"' });
    expect(deepestCause(new Error('plain'))).toEqual({ type: undefined, message: 'plain' });
  });
});
