import type { Identity } from '../context';

/** One way to turn a bearer token into an identity. `undefined`: not mine or not valid. */
export interface TokenVerifier {
  readonly name: string;
  verify(token: string): Promise<Identity | undefined>;
}
