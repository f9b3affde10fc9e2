import { GENERIC_DEFAULTS, type VendorProfile } from './profile';

/**
 * The DMTF Redfish-Publications mockups (dmtf/public-*) and any tree without a vendor profile:
 * DSP0266's generic rules only (see GENERIC_DEFAULTS for each one's clause).
 */
export const dmtfProfile: VendorProfile = { id: 'dmtf', family: 'DMTF generic', ...GENERIC_DEFAULTS };
