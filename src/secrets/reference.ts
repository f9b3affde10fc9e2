/**
 * Credential references, as they appear in site designs and configuration:
 *   env:NAME        the environment variable NAME of the process that uses the credential
 *   file:/path      the contents of a file (one trailing newline removed); file:~/path is below
 *                   the home folder of the process that uses it
 *   secret:NAME     the entry NAME of the secrets file (DRYDOCK_SECRETS_FILE)
 * Anything else is cleartext: accepted, with a warning finding from validation.
 * Pure: usable from workflows, which only ever see references.
 */
export type CredentialReference =
  | { scheme: 'env'; name: string }
  | { scheme: 'file'; path: string }
  | { scheme: 'secret'; name: string }
  | { scheme: 'cleartext' };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[A-Za-z0-9_.\-/]+$/;

export class CredentialReferenceError extends Error {
  override name = 'CredentialReferenceError';
}

/** Parses a reference. Throws CredentialReferenceError for a malformed `env:`/`file:`/`secret:`
 * reference; the message quotes the reference, which is never itself a secret. */
export function parseCredentialReference(value: string): CredentialReference {
  const match = /^(env|file|secret):(.*)$/s.exec(value);
  if (!match) return { scheme: 'cleartext' };
  const [, scheme, rest] = match;
  if (scheme === 'env') {
    if (!ENV_NAME.test(rest)) throw new CredentialReferenceError(`"${value}" is not a valid env: reference: the variable name must match ${ENV_NAME.source}`);
    return { scheme, name: rest };
  }
  if (scheme === 'file') {
    if (!rest.startsWith('/') && !rest.startsWith('~/')) {
      throw new CredentialReferenceError(`"${value}" is not a valid file: reference: give an absolute path (or one below ~/), e.g. file:/etc/drydock/bmc-password`);
    }
    return { scheme, path: rest };
  }
  if (!SECRET_NAME.test(rest)) throw new CredentialReferenceError(`"${value}" is not a valid secret: reference: the name must match ${SECRET_NAME.source}`);
  return { scheme: 'secret', name: rest };
}

export function isCredentialReference(value: string): boolean {
  try {
    return parseCredentialReference(value).scheme !== 'cleartext';
  } catch {
    return true; // malformed, but meant as a reference: never echo it as a value
  }
}
