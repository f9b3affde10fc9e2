import { readFileSync } from 'node:fs';
import { RUN_STATE_FILE } from './paths';

/** What global-setup started for this test run, shared with every test file. */
export interface RunState {
  temporalAddress: string;
  namespace: string;
  workflowBundlePath: string;
  /** The workflows bundled with the payload codec's failure converter (src/codec). */
  codecWorkflowBundlePath: string;
  temporalUiUrl?: string;
  startedServer: boolean;
  /** The `temporal` CLI binary the harness found. */
  cliPath: string;
}

export function readRunState(): RunState {
  return JSON.parse(readFileSync(RUN_STATE_FILE, 'utf8')) as RunState;
}
