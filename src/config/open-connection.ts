import { type Interceptor, InterceptingCall, type NextCall, status } from '@grpc/grpc-js';
import { Connection, type ConnectionOptions, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

const SHUT_DOWN = /Channel has been shut down/;

/**
 * The SDK's retry interceptor schedules a retry with setTimeout and Connection.close() does not
 * clear it: a retry that fires after close creates its call on a closed channel, which throws
 * "Channel has been shut down" inside the timer, off every awaited path, as an uncaught
 * exception that ends the process (a CLI command, or a test file, once seen in CI). Placed after
 * the retry interceptor, this turns that throw into the call's end with status CANCELLED (final:
 * the retry interceptor does not retry it), so whoever awaits the call gets an error and the
 * process goes on. (Reproduced by test/unit/config/open-connection.test.ts.)
 */
export const closedChannelGuard: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (err) {
    if (!(err instanceof Error && SHUT_DOWN.test(err.message))) throw err;
    return new InterceptingCall(closedCall());
  }
};

/** A call that ends at once with CANCELLED, naming why. */
function closedCall(): ReturnType<NextCall> {
  return {
    start(metadata, listener) {
      setImmediate(() => listener?.onReceiveStatus?.({ code: status.CANCELLED, details: 'the connection to Temporal was closed while this call waited to be retried', metadata }));
    },
    sendMessageWithContext() {},
    sendMessage() {},
    startRead() {},
    halfClose() {},
    cancelWithStatus() {},
    getPeer: () => 'closed',
    getAuthContext: () => null,
  };
}

/** The SDK's default retries, then the closed-channel guard. */
export function clientInterceptors(): Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard];
}

/** Connection.connect with clientInterceptors() (unless the caller gives its own). */
export function connectTemporal(options: ConnectionOptions): Promise<Connection> {
  return Connection.connect({ interceptors: clientInterceptors(), ...options });
}

/** Connection.lazy with clientInterceptors() (unless the caller gives its own). */
export function lazyTemporal(options: ConnectionOptions): Connection {
  return Connection.lazy({ interceptors: clientInterceptors(), ...options });
}
