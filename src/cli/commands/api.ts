import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiConfig, ApiConfigError, createApiServer } from '../../api';
import { PolicyEngine, PolicyError } from '../../api/policy';
import { TokenFileError, TokenFileVerifier } from '../../api/auth/token-file';
import { DesignReadError } from '../../design/read-files';
import { retentionCutoff } from '../../builddata/store';
import { redactUrl } from '../../builddata/url';
import { ConnectionFlags, withConnectionOptions } from '../connection-options';
import { connectForCli } from '../client-connection';
import { CliExit, EXIT } from '../exit-codes';
import { buildDataUrlOption, segmentRoutingFromFlags, wholeNumber, withSegmentOptions } from '../option-parsers';

interface ApiFlags extends ConnectionFlags {
  listen: string;
  listenTlsCert?: string;
  listenTlsKey?: string;
  tokenFile?: string;
  jwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  jwtRolesClaim?: string;
  keystoneUrl?: string;
  policyFile?: string;
  designRoot: string[];
  allowHost: string[];
  maxDesignBytes?: number;
  siteDesign?: string[];
  rateLimit: number;
  buildDataUrl?: string;
  stateDir: string;
  publicUrl?: string;
  buildDataRetention?: string;
  segmentQueues?: boolean;
  segmentWait?: number;
}

/** Repeatable flags; from the environment, a comma-separated list. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

function hostPort(value: string): { host: string; port: number } {
  const m = /^(\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[4]);
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('expected HOST:PORT, such as 127.0.0.1:9000 or [::1]:9000.');
  return { host: m[2] ?? m[3], port };
}

const HELP_AFTER = `
Serves Drydock's REST API v1.0 (/api/v1.0/tasks, /validatedesign, /nodefilter, /nodes, /health,
/versions; boot-action delivery and reports under /api/v1.0/bootactions, build data under
/nodes/{hostname}/builddata and /tasks/{id}/builddata; the OpenAPI document at /api/v1.0/openapi.json) over drydock-temporal's workflows, so
Shipyard, Drydock's Python client and operators' scripts drive it unchanged. See docs/api.md.

Authentication: X-Auth-Token or Authorization: Bearer, checked by --token-file (hashed tokens),
--jwks-url (OIDC JWTs) and/or --keystone-url, in that order. Authorisation: Drydock's policy
rules (physical_provisioner:*), defaults role:admin, overridden by --policy-file.

Design references: file:///path only under a --design-root; http(s):// and deckhand+http(s)://
only to an --allow-host. Nothing else is ever fetched.

Environment (each flag also reads the variable named in its description); the Temporal
connection is the worker's: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DRYDOCK_TASK_QUEUE, TEMPORAL_TLS_*.

Example, against the demo stack (npm run demo -- --keep):
  echo "tokens: [{sha256: $(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1), user: ops, roles: [admin]}]" > tokens.yaml
  drydock api --listen 127.0.0.1:9000 --token-file tokens.yaml --design-root "$PWD/examples"
  curl -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"action":"validate_design","design_ref":"file://'"$PWD"'/examples/site.yaml"}' http://127.0.0.1:9000/api/v1.0/tasks

Exit codes: 0 stopped on SIGINT/SIGTERM, 2 bad flags or files, 3 Temporal unreachable.
`;

export function registerApiCommand(program: Command): void {
  withConnectionOptions(
    withSegmentOptions(program.command('api'), 'runs that tasks start')
      .summary("serve Drydock's REST API v1.0")
      .description("Serves Drydock's REST API v1.0 with authentication and Drydock's policy rules, starting and reading workflows through Temporal.")
      .addOption(new Option('--listen <host:port>', 'address to listen on').default('127.0.0.1:9000').env('DRYDOCK_API_LISTEN'))
      .addOption(new Option('--listen-tls-cert <file>', 'serve HTTPS with this certificate (PEM)').env('DRYDOCK_API_TLS_CERT'))
      .addOption(new Option('--listen-tls-key <file>', 'private key (PEM) of --listen-tls-cert').env('DRYDOCK_API_TLS_KEY'))
      .addOption(new Option('--token-file <file>', 'YAML of hashed tokens -> user, project, roles; re-read when it changes').env('DRYDOCK_API_TOKEN_FILE'))
      .addOption(new Option('--jwks-url <url>', 'accept OIDC JWTs signed by a key of this JWKS').env('DRYDOCK_API_JWKS_URL'))
      .addOption(new Option('--jwt-issuer <iss>', 'required iss of JWTs').env('DRYDOCK_API_JWT_ISSUER'))
      .addOption(new Option('--jwt-audience <aud>', 'required aud of JWTs').env('DRYDOCK_API_JWT_AUDIENCE'))
      .addOption(new Option('--jwt-roles-claim <path>', 'claim holding the roles (dotted path)').default('roles').env('DRYDOCK_API_JWT_ROLES_CLAIM'))
      .addOption(new Option('--keystone-url <url>', 'validate other tokens with this Keystone (GET /v3/auth/tokens)').env('DRYDOCK_API_KEYSTONE_URL'))
      .addOption(new Option('--policy-file <file>', "YAML/JSON of policy rules overriding Drydock's defaults").env('DRYDOCK_API_POLICY_FILE'))
      .addOption(new Option('--design-root <dir>', 'folder file:// design references may point into (repeatable)').argParser(collect).default([]).env('DRYDOCK_API_DESIGN_ROOTS'))
      .addOption(new Option('--allow-host <host>', 'host (or host:port) http(s) design references may name (repeatable)').argParser(collect).default([]).env('DRYDOCK_API_ALLOW_HOSTS'))
      .addOption(new Option('--max-design-bytes <n>', 'largest design accepted (default 4 MiB)').argParser(wholeNumber(1)).env('DRYDOCK_API_MAX_DESIGN_BYTES'))
      .addOption(new Option('--site-design <path>', 'the site design whose node provisioner GET /nodes and /health/extended report on (repeatable)').argParser(collect).env('DRYDOCK_API_SITE_DESIGN'))
      .addOption(new Option('--build-data-url <url|ref>', 'PostgreSQL database of build data and boot actions (default: embedded PGlite under --state-dir): a postgres:// URL, or env:NAME / file:/path / secret:NAME holding it (keeps a password out of argv)').env('DRYDOCK_BUILD_DATA_URL'))
      .addOption(new Option('--build-data-retention <duration>', 'delete build data older than this (e.g. 30d, 12h), on start and hourly; each node keeps its newest element per generator (default: keep all)').env('DRYDOCK_BUILD_DATA_RETENTION'))
      .addOption(new Option('--state-dir <dir>', 'folder of the embedded build-data database (<dir>/builddata)').default('.drydock').env('DRYDOCK_STATE_DIR'))
      .addOption(new Option('--public-url <url>', 'the API base deploying nodes reach, for boot-action report URLs (default: the --listen address)').env('DRYDOCK_API_PUBLIC_URL'))
      .addOption(new Option('--rate-limit <n>', 'requests per minute per user (0: no limit)').argParser(wholeNumber(0)).default(600).env('DRYDOCK_API_RATE_LIMIT'))
      .addHelpText('after', HELP_AFTER),
  ).action(runApi);
}

async function runApi(flags: ApiFlags, command?: Command): Promise<void> {
  let listen;
  try {
    listen = hostPort(flags.listen);
  } catch (err) {
    throw new CliExit(EXIT.badInput, `--listen / DRYDOCK_API_LISTEN: ${(err as Error).message}`);
  }
  if ((flags.listenTlsCert === undefined) !== (flags.listenTlsKey === undefined)) throw new CliExit(EXIT.badInput, 'HTTPS needs both --listen-tls-cert and --listen-tls-key');
  if (!flags.tokenFile && !flags.jwksUrl && !flags.keystoneUrl) {
    process.stderr.write('drydock api: no --token-file, --jwks-url or --keystone-url: every route but /health and /versions answers 401\n');
  }
  const buildDataUrl = buildDataUrlOption(flags.buildDataUrl, command?.getOptionValueSource('buildDataUrl'));
  if (flags.buildDataRetention !== undefined) {
    try {
      retentionCutoff(flags.buildDataRetention);
    } catch (err) {
      throw new CliExit(EXIT.badInput, `--build-data-retention / DRYDOCK_BUILD_DATA_RETENTION: ${(err as Error).message}`);
    }
  }
  const config: ApiConfig = {
    listen,
    tls: flags.listenTlsCert && flags.listenTlsKey ? { certPath: flags.listenTlsCert, keyPath: flags.listenTlsKey } : undefined,
    tokenFile: flags.tokenFile,
    jwt: flags.jwksUrl ? { jwksUrl: flags.jwksUrl, issuer: flags.jwtIssuer, audience: flags.jwtAudience, rolesClaim: flags.jwtRolesClaim } : undefined,
    keystoneUrl: flags.keystoneUrl,
    policyFile: flags.policyFile,
    designRoots: flags.designRoot,
    allowHosts: flags.allowHost,
    maxDesignBytes: flags.maxDesignBytes,
    siteDesign: flags.siteDesign,
    rateLimitPerMinute: flags.rateLimit,
    buildDataUrl,
    stateDir: flags.stateDir,
    publicUrl: flags.publicUrl,
    buildDataRetention: flags.buildDataRetention,
    segmentRouting: segmentRoutingFromFlags(flags),
  };
  // Bad files are bad input (exit 2), found before Temporal is even asked.
  try {
    PolicyEngine.fromFile(config.policyFile);
    if (config.tokenFile) new TokenFileVerifier(config.tokenFile);
  } catch (err) {
    if (err instanceof PolicyError || err instanceof TokenFileError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
  const drydock = await connectForCli(flags);
  try {
    let app;
    try {
      app = await createApiServer(config, drydock);
    } catch (err) {
      if (err instanceof ApiConfigError || err instanceof PolicyError || err instanceof TokenFileError || err instanceof DesignReadError) throw new CliExit(EXIT.badInput, err.message);
      // e.g. the build-data database refused: never print its URL's password.
      throw new CliExit(EXIT.failure, `cannot start the API: ${redactUrl(err instanceof Error ? err.message : String(err))}`);
    }
    let address: string;
    try {
      address = await app.listen({ host: listen.host, port: listen.port });
    } catch (err) {
      throw new CliExit(EXIT.badInput, `cannot listen on ${flags.listen}: ${(err as Error).message}`);
    }
    process.stderr.write(`drydock api: listening on ${address} (Temporal ${drydock.settings.address}, namespace ${drydock.settings.namespace}, task queue ${drydock.settings.taskQueue})\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await app.close();
    process.stderr.write('drydock api: stopped\n');
  } finally {
    await drydock.close();
  }
}
