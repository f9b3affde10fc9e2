import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filterNodes, nodeFilterFromSelectors, NodeSelectorError, processDesign, selectNodes } from '../../../src/design';
import type { CompiledSite, NodeFilterSet, NodeModel } from '../../../src/design';
import { REPO_ROOT } from '../../support/paths';

const site: CompiledSite = processDesign([{ name: 'f.yaml', text: readFileSync(join(REPO_ROOT, 'test/fixtures/drydock-samples/deckhand_fullsite.yaml'), 'utf8') }]).site!;
const names = (nodes: NodeModel[]): string[] => nodes.map((n) => n.name);
const one = (f: NodeFilterSet['filterSet'][number], filterSetType: 'union' | 'intersection' = 'intersection'): NodeFilterSet => ({ filterSetType, filterSet: [f] });

describe('node filters (deckhand_fullsite.yaml, as in Drydock test_orch_node_filter.py)', () => {
  it('selects by node name', () => {
    expect(names(selectNodes(site, one({ filterType: 'intersection', nodeNames: ['compute01'] })))).toEqual(['compute01']);
  });

  it('selects by rack name', () => {
    expect(names(selectNodes(site, one({ filterType: 'intersection', rackNames: ['rack2', 'rack3'] })))).toEqual(['compute01', 'compute02']);
  });

  it('selects by tag', () => {
    expect(names(selectNodes(site, one({ filterType: 'intersection', nodeTags: ['test'] })))).toHaveLength(3);
  });

  it('selects by node label (owner_data)', () => {
    expect(names(selectNodes(site, one({ filterType: 'intersection', nodeLabels: { foo: 'baz' } })))).toEqual(['compute02']);
  });

  it('selects every node without a filter', () => {
    expect(names(selectNodes(site))).toEqual(['compute01', 'compute02', 'controller01']);
  });
});

describe('node filters: the cases Drydock gets wrong or leaves open', () => {
  const n = (name: string, rack: string, labels: Record<string, string>, tags: string[] = []): NodeModel => ({
    name,
    rack,
    labels,
    tags,
    site: 's',
    profiles: [],
    oob: { type: 'manual', params: {} },
    interfaces: [],
    addressing: [],
    storage: { physicalDevices: [], volumeGroups: [] },
    platform: { kernelParams: {} },
    bootActions: [],
  });
  const nodes = [n('a', 'r1', { role: 'compute', zone: 'x' }, ['gpu']), n('b', 'r1', { role: 'compute', zone: 'y' }), n('c', 'r2', { role: 'storage', zone: 'x' }, ['gpu', 'nvme'])];
  const racks = { r1: { labels: { row: '1', power: 'a' } }, r2: { labels: { row: '2', power: 'a' } } };

  it('requires every node_labels pair to match (Drydock ORs them)', () => {
    expect(names(filterNodes(nodes, racks, one({ filterType: 'union', nodeLabels: { role: 'compute', zone: 'x' } })))).toEqual(['a']);
  });

  it('filters by rack_labels (Drydock returns every node)', () => {
    expect(names(filterNodes(nodes, racks, one({ filterType: 'union', rackLabels: { row: '2' } })))).toEqual(['c']);
    expect(names(filterNodes(nodes, racks, one({ filterType: 'union', rackLabels: { row: '1', power: 'a' } })))).toEqual(['a', 'b']);
    expect(names(filterNodes(nodes, {}, one({ filterType: 'union', rackLabels: { row: '1' } })))).toEqual([]);
  });

  it('combines the criteria of one filter by its filter_type', () => {
    const f = { nodeTags: ['gpu'], rackNames: ['r1'] };
    expect(names(filterNodes(nodes, racks, one({ filterType: 'union', ...f })))).toEqual(['a', 'b', 'c']);
    expect(names(filterNodes(nodes, racks, one({ filterType: 'intersection', ...f })))).toEqual(['a']);
  });

  it('combines filters by filter_set_type', () => {
    const filterSet = [
      { filterType: 'union' as const, nodeNames: ['a', 'b'] },
      { filterType: 'union' as const, nodeTags: ['nvme'] },
    ];
    expect(names(filterNodes(nodes, racks, { filterSetType: 'union', filterSet }))).toEqual(['a', 'b', 'c']);
    expect(names(filterNodes(nodes, racks, { filterSetType: 'intersection', filterSet }))).toEqual([]);
  });

  it('selects nothing with a filter without criteria or a set without filters', () => {
    expect(filterNodes(nodes, racks, one({ filterType: 'intersection' }))).toEqual([]);
    expect(filterNodes(nodes, racks, { filterSetType: 'union', filterSet: [] })).toEqual([]);
  });

  it('does not mistake inherited object properties for labels', () => {
    expect(filterNodes(nodes, racks, one({ filterType: 'union', nodeLabels: { constructor: 'x' } }))).toEqual([]);
    expect(filterNodes([n('d', 'constructor', {})], racks, one({ filterType: 'union', rackLabels: { row: '1' } }))).toEqual([]);
  });
});

describe('nodeFilterFromSelectors', () => {
  it('gives undefined (every node) without selectors', () => {
    expect(nodeFilterFromSelectors({})).toBeUndefined();
    expect(nodeFilterFromSelectors({ nodes: [], labels: [] })).toBeUndefined();
  });

  it('widens within a kind of selector and narrows across kinds', () => {
    const filter = nodeFilterFromSelectors({ nodes: ['compute01', 'compute02', 'controller01'], racks: ['rack2', 'rack3'], labels: ['foo=baz'] });
    expect(filter).toEqual({
      filterSetType: 'intersection',
      filterSet: [
        { filterType: 'union', nodeNames: ['compute01', 'compute02', 'controller01'] },
        { filterType: 'union', rackNames: ['rack2', 'rack3'] },
        { filterType: 'intersection', nodeLabels: { foo: 'baz' } },
      ],
    });
    expect(names(selectNodes(site, filter))).toEqual(['compute02']);
    expect(names(selectNodes(site, nodeFilterFromSelectors({ tags: ['test'], racks: ['rack1'] })))).toEqual(['controller01']);
  });

  it('accepts labels as a record, and values that contain "="', () => {
    expect(nodeFilterFromSelectors({ labels: { a: 'b' } })?.filterSet).toEqual([{ filterType: 'intersection', nodeLabels: { a: 'b' } }]);
    expect(nodeFilterFromSelectors({ labels: ['expr=a=b'] })?.filterSet[0].nodeLabels).toEqual({ expr: 'a=b' });
  });

  it.each([['role'], ['=compute']])('rejects the label selector %j with a clear message', (bad) => {
    expect(() => nodeFilterFromSelectors({ labels: [bad] })).toThrow(NodeSelectorError);
    expect(() => nodeFilterFromSelectors({ labels: [bad] })).toThrow(/is not KEY=VALUE \(e\.g\. --label role=compute\)/);
  });

  it('rejects one label selected with two values', () => {
    expect(() => nodeFilterFromSelectors({ labels: ['role=a', 'role=b'] })).toThrow(/selected with two different values/);
  });
});
