import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { lazyTemporal } from '../../../src/config/open-connection';
import { freePort } from '../../../src/tools/ports';

// A call the SDK retries (UNAVAILABLE: nothing listens on the port) while its connection is
// closed: without the guard the retry throws "Channel has been shut down" inside a timer, an
// uncaught exception; with it the retry is dropped and the process goes on.
describe('closed-channel guard', () => {
  it('a retry pending at close is dropped, with no uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const record = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      const connection = lazyTemporal({ address: `127.0.0.1:${await freePort()}` });
      let settled = false;
      void connection.workflowService.getSystemInfo({}).then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((r) => setTimeout(r, 50)); // the first attempt failed; its retry is waiting
      await connection.close();
      await new Promise((r) => setTimeout(r, 1_000)); // past the retry's delay (100-200 ms)
      expect({ uncaught, settled }).toEqual({ uncaught: [], settled: false });
    } finally {
      process.off('uncaughtException', record);
    }
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
