import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The stack's certificates, made with openssl: a CA, the frontend's server certificate (for
 * 127.0.0.1 and localhost, usable as a client certificate too: the server's system worker
 * presents it to the frontend) and a client certificate for drydock's workers, CLI and UI.
 * Keys are EC P-256, files 0600. Made once per folder: existing files are kept.
 */
export interface StackCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The name the server certificate is valid for (TLS server name to verify). */
  serverName: string;
}

export class CertificateError extends Error {
  override name = 'CertificateError';
}

const DAYS = '825';

function openssl(args: string[], what: string): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw new CertificateError(`cannot run openssl to ${what}: ${r.error.message} (install Debian's openssl)`);
  if (r.status !== 0) throw new CertificateError(`openssl failed to ${what}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
}

function issue(dir: string, name: string, subject: string, extensions: string, ca: { cert: string; key: string }): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-subj', subject, '-out', csr], `make the ${name} key`);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', DAYS, '-sha256', '-extfile', ext, '-out', cert], `sign the ${name} certificate`);
  return { cert, key };
}

/** @param extraNames more DNS names for the server certificate (docker-compose: `temporal`). */
export function makeStackCertificates(dir: string, extraNames: string[] = []): StackCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key') };
  if (!existsSync(ca.cert) || !existsSync(ca.key)) {
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-days', DAYS, '-sha256', '-subj', '/CN=drydock-temporal stack CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      'make the CA',
    );
  }
  const server = issue(dir, 'server', '/CN=localhost', `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${['DNS:localhost', ...extraNames.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',')}\n`, ca);
  const client = issue(dir, 'client', '/CN=drydock', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n', ca);
  return { caCert: ca.cert, serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key, serverName: 'localhost' };
}
