import { CredentialReferenceError, parseCredentialReference } from '../../secrets/reference';
import type { Finding } from '../findings';
import { CODES } from '../codes';
import type { CompiledNode, Origin } from '../compile';
import { docFinding, originOf, Rule } from './context';
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
    // A credential set in a profile is reported once, at the profile, naming the nodes using it.
    const byOrigin = new Map<string, { nodes: CompiledNode[]; origin?: Origin; value: string }>();
    for (const node of ctx.nodes) {
      const credential = node.model.oob.credential;
      if (credential === undefined) continue;
      const origin = originOf(node, ['oob', 'credential']);
      const key = origin && origin.document.kind !== 'BaremetalNode' ? `${origin.document.kind}/${origin.document.name}` : `BaremetalNode/${node.model.name}`;
      const group = byOrigin.get(key);
      if (group) group.nodes.push(node);
      else byOrigin.set(key, { nodes: [node], origin, value: credential });
    }
    for (const { nodes, origin, value } of byOrigin.values()) {
      const fromProfile = origin !== undefined && origin.document.kind !== 'BaremetalNode';
      const names = nodes.map((n) => n.model.name);
      const what = fromProfile ? `oob.credential (inherited by ${names.length === 1 ? `node ${names[0]}` : `${names.length} nodes: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}`})` : `oob.credential of node ${names[0]}`;
      check(value, what, (message, severity) => {
        out.push({
          severity: severity ?? CODES['credential-reference'].severity,
          code: 'credential-reference',
          document: origin ? { ...origin.document } : { kind: 'BaremetalNode', name: names[0] },
          field: 'oob.credential',
          message,
          source: origin?.source ?? nodes[0].doc.source,
        });
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
