import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { processDesign } from '../../../src/design';
import type { Finding } from '../../../src/design';
import { REPO_ROOT } from '../../support/paths';
import { baseSite, Doc, yamlOf } from './support/site';

/**
 * Property-based tests: random and mutated input never makes the loader, compiler or validator
 * throw, and every finding points at a file, line and column.
 */
const SAMPLES = join(REPO_ROOT, 'test', 'fixtures', 'drydock-samples');
const sampleTexts = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(SAMPLES, f), 'utf8'));

function checkAll(sources: Array<{ name: string; text: string }>): void {
  const result = processDesign(sources, { availableImages: { images: ['jammy'], kernels: ['ga-22.04'] } });
  for (const f of result.findings) expectPositioned(f, sources);
  expect(result.ok).toBe(!result.findings.some((f) => f.severity === 'error'));
  // The compiled site travels in workflow inputs: it must survive JSON.
  if (result.site) expect(JSON.parse(JSON.stringify(result.site))).toEqual(result.site);
}

function expectPositioned(f: Finding, sources: Array<{ name: string }>): void {
  if (!f.source || f.source.line < 1 || f.source.column < 1 || !sources.some((s) => s.name === f.source?.file)) {
    throw new Error(`finding without a valid position: ${JSON.stringify(f)}`);
  }
  expect(['error', 'warning', 'info']).toContain(f.severity);
  expect(f.message.length).toBeGreaterThan(0);
}

const KINDS = ['Region', 'Rack', 'NetworkLink', 'Network', 'HardwareProfile', 'HostProfile', 'BaremetalNode', 'BootAction', 'Bogus'];
const FIELD_NAMES = ['host_profile', 'hardware_profile', 'interfaces', 'storage', 'physical_devices', 'partitions', 'name', 'size', 'oob', 'type', 'network', 'addressing', 'address', 'cidr', 'routes', 'gateway', 'allowed_networks', 'trunking', 'mode', 'bonding', 'node_filter', 'filter_set', 'assets', 'data', 'metadata', 'rack', '!bond0', '!', '<<', 'labels'];

/** Values that look like design data: names, sizes, addresses, nested maps and lists. */
const designValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('!', 'dhcp', '10.0.0.1', '10.0.0.0/24', '20g', '>1g', '-5%', '99%', 'hardwareprofile:cpuset.x', 'hardwareprofile:hugepages.x.size', 'env:X', 'file:rel', 'ipmi', 'redfish', 'libvirt', 'base', 'mgmt', 'rack1', '802.3ad', 'disabled'),
    fc.string({ maxLength: 12 }),
    fc.integer({ min: -2, max: 70000 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...FIELD_NAMES), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const randomDocument = fc.record({
  schema: fc.oneof(fc.constantFrom(...KINDS).map((k) => `drydock/${k}/v1`), fc.string({ maxLength: 20 }), fc.constant('promenade/Foo/v1')),
  metadata: fc.record({ name: fc.oneof(fc.constantFrom('base', 'n1', 'mgmt', 'gp', 'rack1', 'hw1'), fc.string({ maxLength: 8 })) }),
  data: fc.dictionary(fc.constantFrom(...FIELD_NAMES), designValue, { maxKeys: 6 }),
});

describe('properties of the design pipeline', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
        checkAll([{ name: 'random.yaml', text }]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on YAML-shaped noise', () => {
    const token = fc.constantFrom('schema: drydock/HostProfile/v1\n', 'metadata:\n  name: x\n', 'data:\n', '  ', '- ', ': ', '---\n', '...\n', '&a ', '*a', '<<: *a\n', '{', '}', '[', ']', ',', '!!binary ', '!tag ', '? ', '|\n', '>-\n', '"', "'", '#c\n', '\n', '\t', 'key', 'on', '0x1f', '~');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        checkAll([{ name: 'noise.yaml', text: tokens.join('') }]);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on random Drydock-like documents, and positions every finding', () => {
    fc.assert(
      fc.property(fc.array(randomDocument, { maxLength: 8 }), (docs) => {
        checkAll([{ name: 'docs.yaml', text: docs.map((d) => `---\n${stringify(d, { version: '1.1' })}`).join('') }]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutations of a valid site', () => {
    const mutation = fc.record({ at: fc.nat(), op: fc.constantFrom('set', 'delete', 'rename', 'negate', 'cycle'), value: designValue, key: fc.constantFrom(...FIELD_NAMES) });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
        const docs = baseSite();
        for (const m of mutations) mutate(docs, m);
        checkAll([{ name: 'site.yaml', text: yamlOf(docs) }]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on character-level edits of the Drydock samples', () => {
    fc.assert(
      fc.property(fc.nat(sampleTexts.length - 1), fc.array(fc.record({ at: fc.nat(), del: fc.nat(20), ins: fc.string({ maxLength: 6 }) }), { minLength: 1, maxLength: 4 }), (i, edits) => {
        let text = sampleTexts[i];
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.ins + text.slice(at + e.del);
        }
        checkAll([{ name: 'edited.yaml', text }]);
      }),
      { numRuns: 150 },
    );
  });
});

interface Mutation {
  at: number;
  op: 'set' | 'delete' | 'rename' | 'negate' | 'cycle';
  value: unknown;
  key: string;
}

/** Applies one mutation to the value at a pseudo-randomly chosen place of the documents. */
function mutate(docs: Doc[], m: Mutation): void {
  const places: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        places.push({ parent: v, key: i });
        walk(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        places.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
    }
  };
  for (const d of docs) walk(d.data);
  if (m.op === 'cycle') {
    const profiles = docs.filter((d) => d.schema.includes('HostProfile'));
    if (profiles.length > 0) profiles[m.at % profiles.length].data.host_profile = profiles[(m.at + 1) % profiles.length].metadata.name;
    return;
  }
  if (places.length === 0) return;
  const { parent, key } = places[m.at % places.length];
  const p = parent as Record<string | number, unknown>;
  if (m.op === 'set') p[key] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete p[key];
  } else if (m.op === 'rename' && !Array.isArray(parent)) {
    const v = p[key];
    delete p[key];
    p[m.key] = v;
  } else if (m.op === 'negate') {
    const current = p[key];
    if (typeof current === 'string') p[key] = `!${current}`;
    else if (!Array.isArray(parent)) {
      const v = p[key];
      delete p[key];
      p[`!${key}`] = v;
    }
  }
}
