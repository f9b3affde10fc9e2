import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { startDevServer, DevServer } from '../../src/tools/dev-server';
import { resolveTemporalCli } from '../../src/tools/temporal-cli';
import { REPO_ROOT, RUN_STATE_FILE } from './paths';
import type { RunState } from './run-state';
import { quietBundlerLogger } from './temporal';

declare global {
  // Shared with global-teardown, which runs in the same process.
  var __drydockDevServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (m: string): void => void process.stderr.write(`[test setup] ${m}\n`);
  mkdirSync(dirname(RUN_STATE_FILE), { recursive: true });

  const bundlePath = join(dirname(RUN_STATE_FILE), 'workflow-bundle.js');
  const bundling = bundleWorkflowCode({
    workflowsPath: require.resolve(join(REPO_ROOT, 'workflows')),
    logger: quietBundlerLogger,
  }).then(({ code }) => writeFileSync(bundlePath, code));
  // The same workflows with the failure converter of the payload codec (src/codec), for the
  // production-stack tests' workers: webpack cannot bundle from inside a jest test environment.
  const codecBundlePath = join(dirname(RUN_STATE_FILE), 'workflow-bundle-codec.js');
  const bundlingCodec = bundleWorkflowCode({
    workflowsPath: require.resolve(join(REPO_ROOT, 'workflows')),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietBundlerLogger,
  }).then(({ code }) => writeFileSync(codecBundlePath, code));

  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  if (!address) {
    server = await startDevServer({ headless: false, log });
    globalThis.__drydockDevServer = server;
    address = server.address;
    log(`Temporal dev server (${server.cli.version}, from ${server.cli.source}) at ${address}, UI ${server.uiUrl ?? 'off'}`);
  } else {
    log(`using the Temporal server at TEMPORAL_ADDRESS=${address}`);
  }
  await Promise.all([bundling, bundlingCodec]);

  const state: RunState = {
    temporalAddress: address,
    namespace,
    workflowBundlePath: bundlePath,
    codecWorkflowBundlePath: codecBundlePath,
    temporalUiUrl: server?.uiUrl,
    startedServer: server !== undefined,
    cliPath: server?.cli.path ?? (await resolveTemporalCli({ log })).path,
  };
  writeFileSync(RUN_STATE_FILE, JSON.stringify(state, null, 2));
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
