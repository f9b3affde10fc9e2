// Lint fixture: product code that imports the lab. `npm run lint` must reject files like this.
import { startMaasEmulator } from '../../../lab/maas';
import type { LabSwitch } from '../../../lab/switch';

export const lab: Array<typeof startMaasEmulator | LabSwitch> = [];
export const later = (): Promise<unknown> => import('../../../lab/site-lab');
