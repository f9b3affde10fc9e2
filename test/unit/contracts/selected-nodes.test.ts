import { packSelectedNodes, unpackSelectedNodes } from '../../../src/contracts/selected-nodes';

describe('the selected nodes as LoadDesign returns them', () => {
  it('packs names in order with rack indexes, and unpacks to the same list (nodes without a rack too)', () => {
    const nodes = [{ name: 'n3', rack: 'r2' }, { name: 'n1', rack: 'r1' }, { name: 'n2' }, { name: 'n4', rack: 'r2' }];
    const packed = packSelectedNodes(nodes);
    expect(packed).toEqual({ names: ['n3', 'n1', 'n2', 'n4'], racks: ['r2', 'r1'], rackOf: [0, 1, -1, 0] });
    expect(unpackSelectedNodes({ selected: packed })).toEqual(nodes);
  });

  it('reads results recorded before the packed shape (one object per node)', () => {
    const nodes = [{ name: 'a', rack: 'x' }, { name: 'b' }];
    expect(unpackSelectedNodes({ nodes })).toEqual(nodes);
    expect(unpackSelectedNodes({})).toEqual([]);
  });

  it('at 10,000 nodes in 20 racks it is under half the size of the old shape', () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => ({ name: `sim-${String(i + 1).padStart(5, '0')}`, rack: `rack-${String((i % 20) + 1).padStart(2, '0')}` }));
    const before = JSON.stringify(nodes).length;
    const after = JSON.stringify(packSelectedNodes(nodes)).length;
    expect({ before, after }).toEqual({ before: 380_001, after: 145_232 });
  });
});
