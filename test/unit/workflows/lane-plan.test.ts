import { planLanes, type LaneNode } from '../../../workflows/lane-plan';

function nodes(count: number, perRack: number): LaneNode[] {
  return Array.from({ length: count }, (_, i) => ({ name: `node${String(i).padStart(5, '0')}`, rack: `rack${Math.floor(i / perRack)}` }));
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('lanes of a large site run', () => {
  it('packs whole racks into lanes of at most the lane size and shares the parallelism exactly', () => {
    const lanes = planLanes(nodes(1000, 50), { laneSize: 500, maxParallel: 50 });
    expect(lanes.map((l) => l.nodes.length)).toEqual([500, 500]);
    expect(lanes.map((l) => l.maxParallelNodes)).toEqual([25, 25]);
    for (const lane of lanes) expect(new Set(lane.nodes.map((n) => n.rack)).size).toBe(10);
  });

  it('at 10,000 nodes in racks of 40: 21 lanes of 12 racks (the last of 10), every node in exactly one, in order, parallelism summing to the site-wide limit', () => {
    const all = nodes(10000, 40);
    const lanes = planLanes(all, { laneSize: 500, maxParallel: 1000 });
    expect(lanes.map((l) => l.nodes.length)).toEqual([...Array<number>(20).fill(480), 400]);
    expect(lanes.flatMap((l) => l.nodes)).toEqual(all);
    expect(sum(lanes.map((l) => l.maxParallelNodes))).toBe(1000);
    expect(Math.max(...lanes.map((l) => l.nodes.length))).toBeLessThanOrEqual(500);
  });

  it('splits a rack larger than a lane, sharing its per-rack limit among its lanes', () => {
    const lanes = planLanes([...nodes(7, 7), { name: 'other', rack: 'rackX' }], { laneSize: 3, maxParallel: 8, maxPerRack: 6 });
    expect(lanes.map((l) => l.nodes.map((n) => n.name))).toEqual([['node00000', 'node00001', 'node00002'], ['node00003', 'node00004', 'node00005'], ['node00006'], ['other']]);
    expect(lanes.map((l) => l.maxParallelPerRack)).toEqual([2, 2, 2, 6]);
    expect(sum(lanes.map((l) => l.maxParallelNodes))).toBe(8);
  });

  it('makes lanes larger when the parallelism is lower than the number of lanes, so the site-wide limit holds', () => {
    const lanes = planLanes(nodes(100, 10), { laneSize: 10, maxParallel: 4 });
    expect(lanes.length).toBeLessThanOrEqual(4);
    expect(sum(lanes.map((l) => l.maxParallelNodes))).toBe(4);
    expect(lanes.flatMap((l) => l.nodes)).toHaveLength(100);
  });

  it('runs every lane and never more than the site-wide limit, however uneven the lanes', () => {
    const lanes = planLanes([...nodes(98, 98), { name: 'a', rack: 'A' }, { name: 'b', rack: 'B' }], { laneSize: 98, maxParallel: 3 });
    expect(lanes.map((l) => [l.nodes.length, l.maxParallelNodes])).toEqual([[98, 2], [2, 1]]);
  });

  it('keeps nodes without a rack together', () => {
    const lanes = planLanes(Array.from({ length: 5 }, (_, i) => ({ name: `n${i}` })), { laneSize: 2, maxParallel: 3 });
    expect(lanes.map((l) => l.nodes.length)).toEqual([2, 2, 1]);
    expect(sum(lanes.map((l) => l.maxParallelNodes))).toBe(3);
  });
});
