/**
 * `--build-data-url` as the rest of the project takes secrets: a reference (`env:NAME`,
 * `file:/path`, `secret:NAME`, see src/secrets/reference.ts) resolved when the database is
 * opened, so a password never needs to be on a command line; a `postgres://` URL as is. Whatever
 * is printed about the URL goes through `redactUrl`.
 */
import { isCredentialReference } from '../secrets/reference';
import { SecretResolver } from '../secrets/resolver';

export class BuildDataUrlError extends Error {
  override name = 'BuildDataUrlError';
}

/** `postgres://user:password@host/db` -> `postgres://user:***@host/db`, anywhere in a text. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@').replace(/(password=)[^&\s]*/gi, '$1***');
}

/** Whether a cleartext URL carries a password (in its userinfo or as `?password=`). */
export function urlHasPassword(url: string): boolean {
  return redactUrl(url) !== url;
}

/**
 * The connection URL of `--build-data-url`: resolves a reference, checks the result is a
 * PostgreSQL URL. Errors name the flag and the reference, never the resolved value.
 */
export function resolveBuildDataUrl(value: string, secrets: SecretResolver = new SecretResolver()): string {
  const url = isCredentialReference(value) ? secrets.resolve(value, 'the build-data database URL (--build-data-url)').reveal().trim() : value;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new BuildDataUrlError(`--build-data-url${url === value ? ` ${redactUrl(value)}` : ` (${value})`} is not a postgres:// or postgresql:// URL`);
  }
  return url;
}

/**
 * What `drydock worker` and `drydock api` do with the flag: the URL, or a clear error to exit 2
 * with; a warning on stderr for a cleartext password typed on the command line (the environment
 * variable is fine: it is not in argv).
 */
export function buildDataUrlFromFlag(value: string | undefined, source: string | undefined, warn: (m: string) => void = (m) => void process.stderr.write(`${m}\n`)): string | undefined {
  if (value === undefined) return undefined;
  const url = resolveBuildDataUrl(value);
  if (source === 'cli' && url === value && urlHasPassword(value)) {
    warn('drydock: --build-data-url carries a password on the command line (visible in the process list): give env:NAME, file:/path or secret:NAME instead, or set DRYDOCK_BUILD_DATA_URL');
  }
  return url;
}
