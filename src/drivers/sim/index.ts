/** The sim drivers' shared state; the drivers themselves are `src/drivers/<kind>/sim.ts`. */
export { processSimLedger, SimLedger } from './ledger';
export type { SimCall, SimNodeState } from './ledger';
