import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { lazyTemporal } from '../../../src/config/open-connection';
import { freePort } from '../../../src/tools/ports';

// A call the SDK retries (UNAVAILABLE: nothing listens on the port) while its connection is
// closed: without the guard the retry throws "Channel has been shut down" inside a timer, an
// uncaught exception; with it the call ends with CANCELLED and the caller sees the error.
describe('closed-channel guard', () => {
  it('a retry pending at close ends the call with CANCELLED instead of an uncaught exception', async () => {
    const connection = lazyTemporal({ address: `127.0.0.1:${await freePort()}` });
    const call = connection.workflowService.getSystemInfo({}).then(
      (): unknown => 'answered',
      (err: { code?: number; details?: string }) => ({ code: err.code, details: err.details }),
    );
    await new Promise((r) => setTimeout(r, 50)); // the first attempt failed; its retry is waiting
    await connection.close();
    expect(await call).toEqual({ code: 1, details: 'the connection to Temporal was closed while this call waited to be retried' });
  });

  it('the SDK alone (no guard) crashes the process the same way (the defect the guard is for)', () => {
    const script = `
      const { Connection } = require('@temporalio/client');
      process.on('uncaughtException', (e) => { console.log('uncaught: ' + e.message); process.exit(7); });
      const c = Connection.lazy({ address: '127.0.0.1:' + process.argv[1] });
      c.workflowService.getSystemInfo({}).catch(() => {});
      setTimeout(() => c.close(), 50);
      setTimeout(() => { console.log('no crash'); process.exit(0); }, 3000);`;
    return freePort().then((port) => {
      const out = spawnSync(process.execPath, ['-e', script, String(port)], { cwd: join(__dirname, '../../..'), encoding: 'utf8', timeout: 20_000 });
      // If a later SDK clears its timers on close, this fails: then the guard can go.
      expect({ status: out.status, stdout: out.stdout.trim() }).toEqual({ status: 7, stdout: 'uncaught: Channel has been shut down' });
    });
  });
});
