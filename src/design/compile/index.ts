import { Finding, withFallbackSource } from '../findings';
import { DesignLoadResult, LoadedDocument, LoadedDocumentOf, positionIn } from '../load';
import type { BootActionModel, CompiledSite, DesignKind, HardwareProfileModel, NetworkLinkModel, NetworkModel, RackModel, RegionModel, SourceRef } from '../model';
import { filterNodes } from '../node-filter';
import { HostDocument, hostLayer } from './host-layer';
import { hasScalar, Layer, mergeLayer, Origin, originAt } from './layers';
import { LazyOrigin } from './host-layer';
import type { Path } from '../paths';
import { buildNodeModel } from './node-model';
import { expandRouteDomains } from './route-domains';
import { bootActionModel, hardwareProfileModel, networkLinkModel, networkModel, rackModel, regionModel } from './site-models';
import type { NodeModel } from '../model';
import { suggest } from '../schema-fields';

export type { Origin } from './layers';

export interface Entry<K extends DesignKind, M> {
  model: M;
  doc: LoadedDocumentOf<K>;
}

export interface CompiledNode {
  model: NodeModel;
  doc: LoadedDocumentOf<'BaremetalNode'>;
  /** Where the effective value at a field path came from (`['storage', 'physical_devices', 'sda',
   * 'partitions', {name: 'root'}, 'size']`): the node's document or one of its profiles. */
  origin(path: Path): Origin;
  /** Whether the node or its profiles set a field (dotted key, e.g. `oob.type`). */
  sets(key: string): boolean;
  /** False when the node's profile chain is broken (unknown, invalid or cyclic profile): it is
   * left out of the compiled site and of node-level validation rules. */
  complete: boolean;
}

/** Everything validation rules need: models with the documents (and positions) behind them. */
export interface CompiledDesign {
  region?: Entry<'Region', RegionModel>;
  networks: Map<string, Entry<'Network', NetworkModel>>;
  links: Map<string, Entry<'NetworkLink', NetworkLinkModel>>;
  racks: Map<string, Entry<'Rack', RackModel>>;
  hardwareProfiles: Map<string, Entry<'HardwareProfile', HardwareProfileModel>>;
  hostProfiles: Map<string, LoadedDocumentOf<'HostProfile'>>;
  bootActions: Map<string, Entry<'BootAction', BootActionModel>>;
  /** Every node that could be compiled, sorted by name. */
  nodes: CompiledNode[];
  /** `Kind/name` of documents left out for schema errors: references to them are not "undefined". */
  rejected: Set<string>;
  /** Every valid document, in source order (duplicates included). */
  documents: LoadedDocument[];
}

export interface CompileOptions {
  /** Reserved for later options; compilation has none yet. */
  readonly _reserved?: never;
}

export interface CompileResult {
  /** The compiled site; absent when the design has no Region document. */
  site?: CompiledSite;
  findings: Finding[];
  design: CompiledDesign;
}

type ProfileResolution = { ok: true; layer?: Layer; chain: string[] } | { ok: false; reason: 'unknown' | 'invalid' | 'cycle'; culprit: string };

export function compileDesign(loaded: DesignLoadResult, _options: CompileOptions = {}): CompileResult {
  const findings: Finding[] = [];
  const rejected = new Set(loaded.rejected.map((r) => `${r.kind}/${r.name}`));
  const design: CompiledDesign = {
    networks: new Map(),
    links: new Map(),
    racks: new Map(),
    hardwareProfiles: new Map(),
    hostProfiles: new Map(),
    bootActions: new Map(),
    nodes: [],
    rejected,
    documents: loaded.documents,
  };

  // Index documents; names are unique per kind (the first document wins).
  const firstSeen = new Map<string, SourceRef>();
  for (const r of loaded.rejected) if (!firstSeen.has(`${r.kind}/${r.name}`)) firstSeen.set(`${r.kind}/${r.name}`, r.source);
  const byKind = new Map<DesignKind, LoadedDocument[]>();
  for (const doc of loaded.documents) {
    const key = `${doc.kind}/${doc.name}`;
    const first = firstSeen.get(key);
    if (first) {
      findings.push({
        severity: 'error',
        code: 'duplicate-document',
        document: { kind: doc.kind, name: doc.name },
        message: `${key} is defined twice; the first definition (${first.file}:${first.line}) is used and this one is ignored`,
        source: doc.source,
      });
      continue;
    }
    firstSeen.set(key, doc.source);
    const list = byKind.get(doc.kind);
    if (list) list.push(doc);
    else byKind.set(doc.kind, [doc]);
  }
  const docsOf = <K extends DesignKind>(kind: K): Array<LoadedDocumentOf<K>> => (byKind.get(kind) ?? []) as Array<LoadedDocumentOf<K>>;

  const regions = docsOf('Region');
  if (regions.length > 1) {
    for (const r of regions.slice(1)) {
      findings.push({ severity: 'error', code: 'region', document: { kind: 'Region', name: r.name }, message: `a site has one Region document; Region/${regions[0].name} is used and Region/${r.name} is ignored`, source: r.source });
    }
  } else if (regions.length === 0 && !loaded.rejected.some((r) => r.kind === 'Region')) {
    findings.push({ severity: 'warning', code: 'region', message: 'the design has no Region document: it is checked as a fragment of a site, and no compiled site is produced' });
  }
  if (regions.length > 0) design.region = { model: regionModel(regions[0]), doc: regions[0] };

  for (const doc of docsOf('Network')) design.networks.set(doc.name, { model: networkModel(doc), doc });
  expandRouteDomains([...design.networks.values()].map((e) => ({ model: e.model, data: e.doc.data })));
  for (const doc of docsOf('NetworkLink')) design.links.set(doc.name, { model: networkLinkModel(doc), doc });
  for (const doc of docsOf('Rack')) design.racks.set(doc.name, { model: rackModel(doc), doc });
  for (const doc of docsOf('HardwareProfile')) design.hardwareProfiles.set(doc.name, { model: hardwareProfileModel(doc), doc });
  for (const doc of docsOf('BootAction')) design.bootActions.set(doc.name, { model: bootActionModel(doc), doc });
  for (const doc of docsOf('HostProfile')) design.hostProfiles.set(doc.name, doc);

  // Every host document's own references to profiles, reported once where they are written.
  const hostDocs: HostDocument[] = [...docsOf('HostProfile'), ...docsOf('BaremetalNode')];
  for (const doc of hostDocs) checkProfileReferences(doc, design, findings);

  const resolve = profileResolver(design, findings);
  const siteName = design.region?.model.name ?? '';
  const kernelProblemsSeen = new Set<string>();
  for (const doc of docsOf('BaremetalNode')) {
    const parent = doc.data.host_profile;
    const base: ProfileResolution = parent === undefined || parent === '!' ? { ok: true, chain: [] } : resolve(parent);
    if (!base.ok && base.reason !== 'unknown') {
      findings.push({
        severity: 'info',
        code: 'unknown-profile',
        document: { kind: doc.kind, name: doc.name },
        field: 'host_profile',
        message: `node ${doc.name} is left out of the compiled site: its profile chain cannot be compiled (HostProfile/${base.culprit} is ${base.reason === 'cycle' ? 'part of an inheritance cycle' : 'invalid'})`,
        source: positionIn(doc, ['host_profile']),
      });
    }
    const eff = mergeLayer(hostLayer(doc), base.ok ? base.layer : undefined);
    const hwName = eff.scalars.get('hardware_profile')?.value;
    const hwEntry = typeof hwName === 'string' ? design.hardwareProfiles.get(hwName) : undefined;
    const hwKnown = hwName === undefined || hwEntry !== undefined;
    const built = buildNodeModel(eff, doc, base.ok ? base.chain : [], siteName, hwEntry?.model, hwKnown);
    for (const p of built.kernelParamProblems) {
      const key = `${p.origin.document.kind}/${p.origin.document.name}/${p.param}/${p.problem}`;
      if (kernelProblemsSeen.has(key)) continue;
      kernelProblemsSeen.add(key);
      findings.push({ severity: 'error', code: 'kernel-param-reference', document: p.origin.document, field: `platform.kernel_params.${p.param}`, message: `kernel parameter ${p.param} of node ${doc.name}: ${p.problem}`, source: p.origin.source });
    }
    design.nodes.push({
      model: built.model,
      doc,
      complete: base.ok,
      origin: (path) => (path[0] === 'addressing' ? addressingOrigin(doc, path) : originAt(eff, path)),
      sets: (key) => hasScalar(eff, key),
    });
  }
  design.nodes.sort((a, b) => (a.model.name < b.model.name ? -1 : a.model.name > b.model.name ? 1 : 0));

  // Boot action targets, from their node filters over the compiled nodes.
  const complete = design.nodes.filter((n) => n.complete).map((n) => n.model);
  const rackModels = Object.fromEntries([...design.racks].map(([name, e]) => [name, e.model]));
  const byName = new Map(complete.map((n) => [n.name, n]));
  for (const { model: ba } of design.bootActions.values()) {
    ba.targetNodes = filterNodes(complete, rackModels, ba.nodeFilter).map((n) => n.name);
    for (const name of ba.targetNodes) byName.get(name)?.bootActions.push(ba.name);
  }

  let site: CompiledSite | undefined;
  if (design.region) {
    site = {
      name: design.region.model.name,
      region: design.region.model,
      networks: Object.fromEntries([...design.networks].map(([n, e]) => [n, e.model])),
      links: Object.fromEntries([...design.links].map(([n, e]) => [n, e.model])),
      racks: rackModels,
      hardwareProfiles: Object.fromEntries([...design.hardwareProfiles].map(([n, e]) => [n, e.model])),
      bootActions: Object.fromEntries([...design.bootActions].map(([n, e]) => [n, e.model])),
      nodes: complete,
    };
  }
  const first = loaded.documents[0]?.source ?? loaded.rejected[0]?.source;
  return { site, findings: withFallbackSource(findings, first ? { file: first.file, line: 1, column: 1 } : undefined), design };
}

/** Addresses are a node's own (not inherited): positions come straight from its document. */
function addressingOrigin(doc: LoadedDocumentOf<'BaremetalNode'>, path: Path): Origin {
  return new LazyOrigin(doc, path);
}

function checkProfileReferences(doc: HostDocument, design: CompiledDesign, findings: Finding[]): void {
  const refs: Array<{ field: 'host_profile' | 'hardware_profile'; kind: DesignKind; name: string | undefined; known: boolean }> = [
    { field: 'host_profile', kind: 'HostProfile', name: doc.data.host_profile, known: doc.data.host_profile !== undefined && design.hostProfiles.has(doc.data.host_profile) },
    { field: 'hardware_profile', kind: 'HardwareProfile', name: doc.data.hardware_profile, known: doc.data.hardware_profile !== undefined && design.hardwareProfiles.has(doc.data.hardware_profile) },
  ];
  for (const ref of refs) {
    if (ref.name === undefined || ref.name === '!' || ref.known || design.rejected.has(`${ref.kind}/${ref.name}`)) continue;
    findings.push({
      severity: 'error',
      code: 'unknown-profile',
      document: { kind: doc.kind, name: doc.name },
      field: ref.field,
      message: `${ref.field} "${ref.name}" names no ${ref.kind} document${suggestion(ref.name, ref.kind === 'HostProfile' ? [...design.hostProfiles.keys()] : [...design.hardwareProfiles.keys()])}`,
      source: positionIn(doc, [ref.field]),
    });
  }
}

function suggestion(name: string, names: string[]): string {
  const close = suggest(name, names);
  if (close) return ` (did you mean "${close}"?)`;
  return names.length > 0 && names.length <= 10 ? ` (defined: ${names.join(', ')})` : '';
}

/** Effective host profiles, memoised; walks chains iteratively so a long chain cannot overflow the stack. */
function profileResolver(design: CompiledDesign, findings: Finding[]): (name: string) => ProfileResolution {
  const memo = new Map<string, ProfileResolution>();
  return (start: string): ProfileResolution => {
    const chain: Array<LoadedDocumentOf<'HostProfile'>> = [];
    const onChain = new Set<string>();
    let base: ProfileResolution;
    let cur = start;
    for (;;) {
      const known = memo.get(cur);
      if (known) {
        base = known;
        break;
      }
      if (design.rejected.has(`HostProfile/${cur}`)) {
        base = { ok: false, reason: 'invalid', culprit: cur };
        break;
      }
      const doc = design.hostProfiles.get(cur);
      if (!doc) {
        base = { ok: false, reason: 'unknown', culprit: cur };
        break;
      }
      if (onChain.has(cur)) {
        const cycle = [...chain.slice(chain.findIndex((d) => d.name === cur)).map((d) => d.name), cur];
        findings.push({
          severity: 'error',
          code: 'profile-cycle',
          document: { kind: 'HostProfile', name: cur },
          field: 'host_profile',
          message: `host profile inheritance cycle: ${cycle.join(' -> ')}`,
          source: positionIn(doc, ['host_profile']),
        });
        base = { ok: false, reason: 'cycle', culprit: cur };
        break;
      }
      chain.push(doc);
      onChain.add(cur);
      const parent = doc.data.host_profile;
      if (parent === undefined || parent === '!') {
        base = { ok: true, chain: [] };
        break;
      }
      cur = parent;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const doc = chain[i];
      const entry: ProfileResolution = base.ok ? { ok: true, layer: mergeLayer(hostLayer(doc), base.layer), chain: [doc.name, ...base.chain] } : base;
      memo.set(doc.name, entry);
      base = entry;
    }
    return base;
  };
}
