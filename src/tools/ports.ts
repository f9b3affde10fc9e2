import { connect, createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on `host`, and keeps other processes' `bind(0)` from being
 * handed the same port in the moments before our server binds it: a connection to the port,
 * closed from the listening side first, leaves it in TIME_WAIT, which the kernel skips when it
 * picks a port for `bind(0)` but which a listener with SO_REUSEADDR (Node, Go, Python's
 * http.server, sshd) may still bind. The Temporal CLI picks its internal ports the same way, so
 * neither takes a port the other has just chosen. A process that binds an explicit port can
 * still take it, so callers that can retry on "address in use" should.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer((accepted) => {
      // Our side closes first, so the TIME_WAIT is on the listening port's end.
      accepted.destroy();
    });
    // Neither socket is unref'd: while this waits for the close event they are all that holds
    // the event loop, and an unref'd wait lets Node end a process whose first step this is with
    // status 0 before it has done anything (seen with `npm run bench`).
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port the kernel assigned'));
        return;
      }
      const port = address.port;
      const client = connect({ host, port });
      // The reservation is an optimisation: without it the port is still free.
      client.on('error', () => undefined);
      client.on('close', () => server.close(() => resolve(port)));
      client.on('end', () => client.end());
    });
  });
}

/** Whether a TCP listener can bind `port` on `host` right now. */
export function tcpPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, host, () => probe.close(() => done(true)));
  });
}
