import { type Interceptor, InterceptingCall, type NextCall } from '@grpc/grpc-js';
import { Connection, type ConnectionOptions, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

const SHUT_DOWN = /Channel has been shut down/;

/**
 * The SDK's retry interceptor schedules a retry with setTimeout and Connection.close() does not
 * clear it: a retry that fires after close creates its call on a closed channel, which throws
 * "Channel has been shut down" inside the timer, off every awaited path, as an uncaught
 * exception that ends the process (a CLI command, or a test file, seen in CI). Placed after the
 * retry interceptor, this drops such a retry instead: the call never answers. It cannot end the
 * call with an error: the retry interceptor's final path calls a message callback it only has if
 * the first attempt received a message, and throws a TypeError otherwise (seen in CI too). A call
 * dropped this way is one whose connection its owner closed; nothing else waits for it, and it
 * holds no timer or socket. (test/unit/config/open-connection.test.ts)
 */
export const closedChannelGuard: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (err) {
    if (!(err instanceof Error && SHUT_DOWN.test(err.message))) throw err;
    return new InterceptingCall(droppedCall());
  }
};

/** A call that was never started and never answers. */
function droppedCall(): ReturnType<NextCall> {
  return {
    start() {},
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
