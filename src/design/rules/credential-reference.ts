import { CredentialReferenceError, parseCredentialReference } from '../../secrets/reference';
import type { Finding } from '../findings';
import type { Path } from '../paths';
import { docFinding, nodeFinding, originOf, Rule } from './context';
import type { Severity } from '../findings';

/**
 * Credentials in the design are references (`env:NAME`, `file:/path`, `secret:NAME`), resolved
 * only where they are used. A malformed reference is an error; cleartext works but is a warning.
 * Messages never quote a credential's value. A credential inherited from a profile is reported
 * once, at the profile, not once per node.
 */
export const credentialReference: Rule = {
  code: 'credential-reference',
  run(ctx) {
    const out: Finding[] = [];
    const check = (value: string, what: string, report: (message: string, severity?: Severity) => void): void => {
      try {
        if (parseCredentialReference(value).scheme === 'cleartext') {
          report(`${what} is written in cleartext; use a reference (env:NAME, file:/path or secret:NAME) so the design holds no secret`, 'warning');
        }
      } catch (err) {
        report(`${what}: ${err instanceof CredentialReferenceError ? err.message : 'malformed reference'}`);
      }
    };
    const reported = new Set<string>();
    for (const node of ctx.nodes) {
      const credential = node.model.oob.credential;
      if (credential === undefined) continue;
      const field: Path = ['oob', 'credential'];
      const origin = originOf(node, field);
      const key = origin ? `${origin.document.kind}/${origin.document.name}` : `BaremetalNode/${node.model.name}`;
      if (reported.has(key)) continue;
      reported.add(key);
      check(credential, `oob.credential${origin && origin.document.kind !== 'BaremetalNode' ? ` (used by node ${node.model.name} and others inheriting it)` : ` of node ${node.model.name}`}`, (message, severity) => {
        const f = nodeFinding('credential-reference', node, field, message, severity);
        if (origin) f.document = { ...origin.document };
        out.push(f);
      });
    }
    const region = ctx.design.region;
    if (region) {
      const d = region.model.drivers;
      if (d.node?.type === 'maas') check(d.node.apiKey, 'the MAAS API key (drivers.node.api_key)', (m, s) => out.push(docFinding('credential-reference', region.doc, ['drivers', 'node', 'api_key'], m, s)));
      if (d.kubernetes?.type === 'kubernetes') check(d.kubernetes.token, 'the Kubernetes token (drivers.kubernetes.token)', (m, s) => out.push(docFinding('credential-reference', region.doc, ['drivers', 'kubernetes', 'token'], m, s)));
    }
    for (const { model, doc } of ctx.design.racks.values()) {
      for (const sw of Object.values(model.torSwitches)) {
        if (sw.ssh) check(sw.ssh.key, `the SSH key of switch ${sw.name} (tor_switches.${sw.name}.ssh.key)`, (m, s) => out.push(docFinding('credential-reference', doc, ['tor_switches', sw.name, 'ssh', 'key'], m, s)));
      }
    }
    return out;
  },
};
