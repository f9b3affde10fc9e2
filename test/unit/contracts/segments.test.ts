import { createHash } from 'node:crypto';
import { bmcCommandGapMs, bmcEndpoint, bmcLockWorkflowId, legacyBmcLockWorkflowId, nodeSegment, parseSegments, SEGMENT_NAME, segmentRouting, segmentTaskQueue, waitingForSegmentMessage } from '../../../src/contracts/segments';
import type { OobModel } from '../../../src/design/model';

const node = (oob: Partial<OobModel>): { oob: OobModel } => ({ oob: { type: 'redfish', params: {}, ...oob } });

describe('segments', () => {
  it('names a segment queue from the run task queue and the node oob.network', () => {
    expect(segmentTaskQueue('drydock', 'oob-rack1')).toBe('drydock@oob-rack1');
    expect(nodeSegment(node({ network: 'oob-rack1' }))).toBe('oob-rack1');
    expect(nodeSegment(node({}))).toBeUndefined();
    expect(waitingForSegmentMessage('oob-rack1')).toBe('waiting for a worker on segment oob-rack1');
  });

  it('parses --segments lists and checks names', () => {
    expect(parseSegments(' a, b,,a ')).toEqual(['a', 'b']);
    expect(SEGMENT_NAME.test('oob-rack1')).toBe(true);
    expect(SEGMENT_NAME.test('bad name')).toBe(false);
    expect(SEGMENT_NAME.test('a@b')).toBe(false);
  });

  it('keys the BMC lock by endpoint, with each protocol default port', () => {
    expect(bmcEndpoint(node({ address: '10.0.0.5' }))).toBe('10.0.0.5:443');
    expect(bmcEndpoint(node({ address: '10.0.0.5', params: { use_https: false } }))).toBe('10.0.0.5:80');
    expect(bmcEndpoint(node({ address: '127.0.0.1', port: 18000 }))).toBe('127.0.0.1:18000');
    expect(bmcEndpoint(node({ type: 'ipmi', address: '10.0.0.6' }))).toBe('10.0.0.6:623');
    expect(bmcEndpoint(node({ type: 'manual' }))).toBeUndefined();
    // Workflow ids stay plaintext in the database: the lock's id must not show the address.
    expect(bmcLockWorkflowId('127.0.0.1:18000', 'drydock')).toBe(`bmc:drydock:${createHash('sha256').update('127.0.0.1:18000').digest('hex').slice(0, 32)}`);
    expect(bmcLockWorkflowId('10.0.0.6:623', 'drydock')).not.toContain('10.0.0.6');
    expect(bmcLockWorkflowId('10.0.0.6:623', 'q1')).not.toBe(bmcLockWorkflowId('10.0.0.6:623', 'q2'));
    expect(legacyBmcLockWorkflowId('127.0.0.1:18000')).toBe('bmc:127.0.0.1:18000');
  });

  it('keeps 2 s between IPMI commands and 100 ms for others unless the design says', () => {
    expect(bmcCommandGapMs(node({ type: 'ipmi' }))).toBe(2000);
    expect(bmcCommandGapMs(node({}))).toBe(100);
    expect(bmcCommandGapMs(node({ params: { min_command_gap_ms: 5000 } }))).toBe(5000);
  });

  it('passes routing on only when the run asks for it', () => {
    expect(segmentRouting({})).toEqual({});
    expect(segmentRouting({ segmentWaitTimeout: '5s' })).toEqual({});
    expect(segmentRouting({ segmentQueues: true, segmentWaitTimeout: '5s' })).toEqual({ segmentQueues: true, segmentWaitTimeout: '5s' });
  });
});
