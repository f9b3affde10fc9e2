import { DriverError } from '../../src/drivers/errors';

/** The DriverError a driver action rejects with; anything else (or success) fails the test. */
export async function driverFailure(promise: Promise<unknown>): Promise<DriverError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DriverError) return err;
    throw err;
  }
  throw new Error('expected the action to fail with a DriverError');
}
