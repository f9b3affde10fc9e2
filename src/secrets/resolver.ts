import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { expandHome } from '../tools/home-path';
import { CredentialReferenceError, parseCredentialReference } from './reference';
import { Secret } from './secret';

/**
 * Resolves credential references where a credential is used (inside activities and the CLI's
 * troubleshooting commands). Errors name the reference and what it was for, never a value.
 *
 * The secrets file (DRYDOCK_SECRETS_FILE) is YAML: `name: value` pairs, e.g.
 *   bmc-rack1: s3cret
 *   maas-api-key: "consumer:token:secret"
 */
export interface SecretResolverOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the secrets file for `secret:` references (default $DRYDOCK_SECRETS_FILE). */
  secretsFile?: string;
}

export class CredentialResolutionError extends Error {
  override name = 'CredentialResolutionError';
}

export class SecretResolver {
  private readonly env: NodeJS.ProcessEnv;
  private readonly secretsFile?: string;

  constructor(options: SecretResolverOptions = {}) {
    this.env = options.env ?? process.env;
    this.secretsFile = options.secretsFile ?? this.env.DRYDOCK_SECRETS_FILE;
  }

  /**
   * @param reference `env:NAME`, `file:/path`, `secret:NAME` or cleartext
   * @param purpose what the credential is for, for error messages (e.g. `BMC password of node n1`)
   */
  resolve(reference: string, purpose: string): Secret {
    let parsed;
    try {
      parsed = parseCredentialReference(reference);
    } catch (err) {
      throw new CredentialResolutionError(`${purpose}: ${(err as CredentialReferenceError).message}`);
    }
    switch (parsed.scheme) {
      case 'cleartext':
        return new Secret(reference, 'cleartext');
      case 'env': {
        const value = this.env[parsed.name];
        if (value === undefined || value === '') {
          throw new CredentialResolutionError(`${purpose}: the environment variable ${parsed.name} (from "${reference}") is not set in the worker's environment`);
        }
        return new Secret(value, reference);
      }
      case 'file': {
        try {
          return new Secret(readFileSync(expandHome(parsed.path), 'utf8').replace(/\r?\n$/, ''), reference);
        } catch (err) {
          throw new CredentialResolutionError(`${purpose}: cannot read ${parsed.path} (from "${reference}"): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
        }
      }
      case 'secret': {
        const secrets = this.loadSecretsFile(purpose, reference);
        const value = secrets[parsed.name];
        if (typeof value !== 'string' || value === '') {
          throw new CredentialResolutionError(`${purpose}: the secrets file ${this.secretsFile} has no entry "${parsed.name}" (from "${reference}")`);
        }
        return new Secret(value, reference);
      }
    }
  }

  private loadSecretsFile(purpose: string, reference: string): Record<string, unknown> {
    if (!this.secretsFile) {
      throw new CredentialResolutionError(`${purpose}: "${reference}" needs a secrets file; set DRYDOCK_SECRETS_FILE to a YAML file of name: value pairs`);
    }
    let text: string;
    try {
      statSync(this.secretsFile);
      text = readFileSync(this.secretsFile, 'utf8');
    } catch (err) {
      throw new CredentialResolutionError(`${purpose}: cannot read the secrets file ${this.secretsFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    let data: unknown;
    try {
      data = parse(text);
    } catch {
      // The YAML error would quote the file's contents: say only where it is.
      throw new CredentialResolutionError(`${purpose}: the secrets file ${this.secretsFile} is not valid YAML`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new CredentialResolutionError(`${purpose}: the secrets file ${this.secretsFile} must be a YAML mapping of name: value`);
    }
    return data as Record<string, unknown>;
  }
}
