import { startProcessGroup } from '../../../src/tools/process-group';

async function runToEnd(script: string): Promise<string> {
  const proc = startProcessGroup('test', 'sh', ['-c', script]);
  await new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  // Let the pipes deliver what the process wrote before it exited.
  await new Promise((r) => setTimeout(r, 100));
  const tail = proc.outputTail();
  await proc.stop();
  return tail;
}

describe('process group output for error messages', () => {
  it('keeps a Go panic message that a long goroutine dump has pushed out of the last lines', async () => {
    const tail = await runToEnd(
      'echo "starting"; echo "time=x level=ERROR msg=\\"Failed to get current cluster ID\\" error=\\"database is locked\\""; ' +
        'echo "panic: runtime error: invalid memory address or nil pointer dereference"; ' +
        'i=0; while [ $i -lt 300 ]; do echo "	/go/pkg/frame$i.go:$i +0x1"; i=$((i+1)); done',
    );
    const lines = tail.split('\n');
    expect(lines).toContain('time=x level=ERROR msg="Failed to get current cluster ID" error="database is locked"');
    expect(lines).toContain('panic: runtime error: invalid memory address or nil pointer dereference');
    expect(lines).toContain('[…]');
    expect(lines[lines.length - 1]).toBe('\t/go/pkg/frame299.go:299 +0x1');
    // The first error, a little context around it, the marker and the last 40 lines.
    expect(lines.length).toBeLessThanOrEqual(4 + 13 + 1 + 40);
  });

  it('shows just the last lines when the error is still among them', async () => {
    const tail = await runToEnd('echo one; echo "panic: boom"; echo two');
    expect(tail).toBe('one\npanic: boom\ntwo');
  });

  it('shows the last 40 lines of a long output without errors', async () => {
    const tail = await runToEnd('i=0; while [ $i -lt 100 ]; do echo "line $i"; i=$((i+1)); done');
    const lines = tail.split('\n');
    expect(lines).toHaveLength(40);
    expect(lines[0]).toBe('line 60');
    expect(tail).not.toContain('[…]');
  });
});
