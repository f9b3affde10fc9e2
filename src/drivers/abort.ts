/** The error to reject with when an action's signal aborts: its reason when that is an Error
 * (Temporal's cancellation signal aborts with a CancelledFailure, which must reach the activity
 * layer as is), else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'the action was cancelled');
  err.name = 'AbortError';
  return err;
}
