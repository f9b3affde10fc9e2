import { loadDesign } from '../../../src/design';
import type { DesignLoadResult, Finding } from '../../../src/design';
import { brief } from './support/site';

function load(text: string, name = 'd.yaml'): DesignLoadResult {
  return loadDesign([{ name, text }]);
}

const errors = (r: DesignLoadResult): Finding[] => r.findings.filter((f) => f.severity === 'error');

describe('loadDesign: document formats', () => {
  it('reads Deckhand and legacy documents into the same shape', () => {
    const r = load(`
schema: drydock/Network/v1
metadata: {schema: metadata/Document/v1, name: mgmt}
data: {cidr: 10.0.0.0/24, mtu: 1500}
---
apiVersion: drydock/v1
kind: Network
metadata: {name: oob, region: site, author: someone}
spec: {cidr: 10.0.1.0/24}
`);
    expect(brief(r.findings)).toEqual([]);
    expect(r.documents.map((d) => [d.kind, d.name, d.format, d.source.line])).toEqual([
      ['Network', 'mgmt', 'deckhand', 2],
      ['Network', 'oob', 'legacy', 6],
    ]);
  });

  it('skips documents of other schemas with an info finding', () => {
    const r = load(`
schema: deckhand/LayeringPolicy/v1
metadata: {name: layering-policy}
data: {layerOrder: [global, site]}
---
schema: promenade/Genesis/v1
metadata: {name: genesis}
data: {}
---
apiVersion: promenade/v1
kind: Cluster
metadata: {name: c}
`);
    expect(r.documents).toEqual([]);
    expect(r.findings.map((f) => [f.severity, f.code, f.document?.kind, f.source?.line])).toEqual([
      ['info', 'document-skipped', 'deckhand/LayeringPolicy/v1', 2],
      ['info', 'document-skipped', 'promenade/Genesis/v1', 6],
      ['info', 'document-skipped', 'promenade/v1', 10],
    ]);
  });

  it('warns about documents that are neither format, or not a mapping', () => {
    const r = load('just: a mapping\n---\n- a\n- list\n');
    expect(r.findings.map((f) => [f.severity, f.code])).toEqual([
      ['warning', 'document-unrecognised'],
      ['warning', 'document-unrecognised'],
    ]);
  });

  it.each([
    ['schema: drydock/BaremetalNodes/v1\nmetadata: {name: n}\ndata: {}\n', 'schema', /unknown Drydock kind "BaremetalNodes" \(did you mean BaremetalNode\?\)/],
    ['schema: drydock/Network/v2\nmetadata: {name: n}\ndata: {}\n', 'schema', /unsupported schema "drydock\/Network\/v2"/],
    ['schema: drydock/Network\nmetadata: {name: n}\ndata: {}\n', 'schema', /expected drydock\/<Kind>\/v1/],
    ['schema: drydock/Network/v1\nmetadata: {}\ndata: {cidr: 10.0.0.0/8}\n', 'metadata.name', /no metadata\.name/],
    ['schema: drydock/Network/v1\nmetadata: {name: 42}\ndata: {cidr: 10.0.0.0/8}\n', 'metadata.name', /no metadata\.name/],
    ['schema: drydock/Network/v1\nmetadata: {name: n}\ndat: {cidr: 10.0.0.0/8}\n', 'dat', /unknown top-level key "dat" \(did you mean "data"\?\)/],
    ['apiVersion: drydock/v2\nkind: Network\nmetadata: {name: n}\n', 'apiVersion', /unsupported apiVersion/],
    ['apiVersion: drydock/v1\nmetadata: {name: n}\n', 'kind', /needs a `kind`/],
    ['schema: 5\nmetadata: {name: n}\n', 'schema', /must be a string/],
  ])('rejects a broken envelope: %j', (text, field, message) => {
    const r = load(text);
    expect(r.documents).toEqual([]);
    const [f] = errors(r);
    expect(f).toMatchObject({ code: 'document-envelope', field });
    expect(f.message).toMatch(message);
    expect(f.source?.line).toBeGreaterThanOrEqual(1);
  });

  it('warns that Deckhand substitutions and layering are not applied', () => {
    const r = load(`schema: drydock/Network/v1
metadata:
  name: n
  substitutions:
    - src: {schema: deckhand/Passphrase/v1, name: x, path: .}
      dest: {path: .cidr}
data: {cidr: 10.0.0.0/8}
`);
    expect(r.findings.map((f) => [f.severity, f.code, f.source?.line])).toEqual([['warning', 'deckhand-unrendered', 4]]);
    expect(r.documents).toHaveLength(1);
  });
});

describe('loadDesign: schemas', () => {
  it('reports a misspelt field at its line, with a suggestion, and rejects the document', () => {
    const r = load(`schema: drydock/HostProfile/v1
metadata: {name: p}
data:
  interfaces:
    bond0:
      devce_link: gp
`);
    expect(r.documents).toEqual([]);
    expect(r.rejected).toEqual([{ kind: 'HostProfile', name: 'p', source: { file: 'd.yaml', line: 1, column: 1 } }]);
    expect(errors(r)).toEqual([
      {
        severity: 'error',
        code: 'schema',
        document: { kind: 'HostProfile', name: 'p' },
        field: 'interfaces.bond0.devce_link',
        message: 'unknown field "devce_link" (did you mean "device_link"?)',
        source: { file: 'd.yaml', line: 6, column: 7 },
      },
    ]);
  });

  it('says what was found and how to fix a type mismatch', () => {
    const r = load('schema: drydock/HardwareProfile/v1\nmetadata: {name: hw}\ndata:\n  generation: 8\n  pxe_interface: zero\n');
    expect(brief(errors(r))).toEqual([
      "error schema HardwareProfile/hw generation: expected a string, found the number 8; quote it if it is meant as text: '8'",
      'error schema HardwareProfile/hw pxe_interface: expected a number, found "zero"',
    ]);
  });

  it('lists the allowed values of an enumeration', () => {
    const r = load('schema: drydock/NetworkLink/v1\nmetadata: {name: l}\ndata:\n  bonding: {mode: balanced-rr}\n');
    expect(brief(errors(r))).toEqual(['error schema NetworkLink/l bonding.mode: "balanced-rr" is not allowed here; use one of: disabled, 802.3ad, active-backup, balance-rr']);
  });

  it('reports a missing required field at its parent', () => {
    const r = load('schema: drydock/BaremetalNode/v1\nmetadata: {name: n}\ndata:\n  host_profile: p\n');
    expect(brief(errors(r))).toEqual([expect.stringMatching(/addressing: missing required field "addressing"/)]);
  });

  it('accepts every extension field of docs/design-extensions.md', () => {
    const r = load(`schema: drydock/Region/v1
metadata: {name: site}
data:
  drivers:
    node: {type: maas, api_url: 'http://maas.example.net:5240/MAAS', api_key: 'env:MAAS_API_KEY'}
    network: {type: linux-bridge}
    kubernetes: {type: kubernetes, api_url: 'https://10.0.0.1:6443', token: 'secret:k8s-token', insecure: false}
---
schema: drydock/Rack/v1
metadata: {name: rack1}
data:
  tor_switches:
    leaf1:
      mgmt_ip: 10.0.0.250
      ssh: {user: cumulus, key: 'file:/etc/drydock/leaf1.key', host_key_fingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8', port: 2222, bridge: br0}
---
schema: drydock/BaremetalNode/v1
metadata: {name: n1}
data:
  oob: {type: redfish, address: 10.0.0.21, port: 8443, system_id: System.1, use_https: true, insecure: true, ca_bundle: /etc/ssl/bmc.pem}
  interfaces:
    bond0: {switch_ports: [{switch: leaf1, port: swp1}]}
  addressing: [{network: pxe, address: dhcp}]
`);
    expect(brief(r.findings)).toEqual([]);
  });

  it('insists that a switch host key is pinned', () => {
    const r = load('schema: drydock/Rack/v1\nmetadata: {name: r}\ndata:\n  tor_switches:\n    leaf1:\n      ssh: {user: u, key: "env:K"}\n');
    expect(brief(errors(r))).toEqual([expect.stringMatching(/tor_switches\.leaf1\.ssh: give host_key_fingerprint or known_hosts/)]);
  });
});

describe('loadDesign: YAML', () => {
  it('reports a syntax error with its line and marks the load as failed', () => {
    const r = load('schema: drydock/Network/v1\nmetadata: {name: n\ndata: {}\n');
    expect(r.parseFailed).toBe(true);
    expect(errors(r)[0]).toMatchObject({ code: 'yaml-syntax', source: { file: 'd.yaml' } });
    expect(errors(r)[0].source?.line).toBeGreaterThanOrEqual(2);
  });

  it('keeps the other documents of a file when one has a syntax error', () => {
    const r = load('schema: drydock/Network/v1\nmetadata: {name: a}\ndata: {cidr: 10.0.0.0/8}\n---\nkey: [unclosed\n');
    expect(r.parseFailed).toBe(true);
    expect(r.documents.map((d) => d.name)).toEqual(['a']);
  });

  it('reports a repeated key (Drydock silently keeps the last) and keeps the last value', () => {
    const r = load('schema: drydock/Network/v1\nmetadata: {name: n}\ndata:\n  cidr: 10.0.0.0/8\n  cidr: 10.1.0.0/16\n');
    expect(brief(errors(r))).toEqual(['error yaml-duplicate-key Network/n cidr: key "cidr" appears twice in the same mapping; the last one is used']);
    expect(errors(r)[0].source).toEqual({ file: 'd.yaml', line: 5, column: 3 });
    expect(r.documents[0].kind === 'Network' && r.documents[0].data.cidr).toBe('10.1.0.0/16');
  });

  it('reads YAML 1.1 as Drydock does: yes/no booleans, merge keys', () => {
    const r = load(`schema: drydock/BootAction/v1
metadata: {name: b}
data:
  signaling: yes
  assets:
    - &file {type: file, path: /a, data: x}
    - <<: *file
      path: /b
`);
    expect(brief(r.findings)).toEqual([]);
    const ba = r.documents[0];
    expect(ba.kind === 'BootAction' && ba.data).toEqual({ signaling: true, assets: [{ type: 'file', path: '/a', data: 'x' }, { type: 'file', path: '/b', data: 'x' }] });
  });

  it('stops an alias bomb and a recursive alias without crashing', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const r = load(`schema: drydock/Network/v1\nmetadata: {name: n}\ndata:\n  labels:\n${bomb.map((l) => `    ${l}`).join('\n')}\n`);
    expect(errors(r).map((f) => f.code)).toContain('yaml-alias');
    const rec = load('schema: drydock/Network/v1\nmetadata: {name: n}\ndata: &d\n  cidr: 10.0.0.0/8\n  labels: *d\n');
    expect(rec.findings.length).toBeGreaterThan(0);
  });

  it('rejects keys that YAML reads as numbers or booleans, and says how to quote them', () => {
    const r = load('schema: drydock/Network/v1\nmetadata: {name: n}\ndata:\n  cidr: 10.0.0.0/8\n  labels: {on: x, 12: y}\n');
    expect(brief(errors(r))).toEqual([
      "error yaml-key-type Network/n labels.on: key on is read by YAML as the boolean true, not as the name \"on\"; quote it: 'on'",
      "error yaml-key-type Network/n labels.12: key 12 is read by YAML as the number 12, not as the name \"12\"; quote it: '12'",
    ]);
  });

  it('handles a byte-order mark, CRLF line ends, empty documents and empty files', () => {
    const r = load('\uFEFF---\r\nschema: drydock/Network/v1\r\nmetadata: {name: n}\r\ndata: {cidr: 10.0.0.0/8}\r\n---\r\n---\r\n# nothing\r\n');
    expect(brief(r.findings)).toEqual([]);
    expect(r.documents[0].source.line).toBe(2);
    expect(load('').findings).toEqual([]);
  });

  it('names every source in its findings', () => {
    const r = loadDesign([
      { name: 'a.yaml', text: 'schema: drydock/Network/v1\nmetadata: {name: n}\ndata: {cidr: 10.0.0.0/8, foo: 1}\n' },
      { name: 'b.yaml', text: 'schema: drydock/Network/v1\nmetadata: {name: m}\ndata: {cidr: 10.0.0.0/8, bar: 1}\n' },
    ]);
    expect(errors(r).map((f) => `${f.source?.file}:${f.source?.line}`)).toEqual(['a.yaml:3', 'b.yaml:3']);
  });
});

describe('loadDesign: credentials in messages', () => {
  it('never echoes a mistyped credential', () => {
    const r = load('schema: drydock/HostProfile/v1\nmetadata: {name: p}\ndata:\n  oob: {type: ipmi, credential: 31337}\n');
    expect(brief(errors(r))).toEqual(['error schema HostProfile/p oob.credential: expected a string, found a number (not shown: it is a credential); quote it']);
    expect(JSON.stringify(r.findings)).not.toContain('31337');
  });
});
