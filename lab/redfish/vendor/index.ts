/** The lab's vendor-profile Redfish service (docs/lab-redfish.md). */
export { startVendorRedfish, powerAfter } from './server';
export type { RecordedWrite, VendorRedfishOptions, VendorRedfishService } from './server';
export { PROFILES, profileForTree } from './profiles';
export type { VendorProfile } from './profiles';
