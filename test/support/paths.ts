import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
/** Files the test run shares between its processes (the workflow bundle, server addresses). */
export const RUN_STATE_FILE = join(REPO_ROOT, '.drydock', 'test-run', 'state.json');
export const TEST_ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');
