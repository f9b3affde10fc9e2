import { GENERIC_DEFAULTS, OVERRIDE_PROPERTIES, type VendorProfile } from './profile';

/**
 * Lenovo XClarity Controller (libredfish/lenovo, ThinkSystem SR670 V2).
 *
 * - The System names /redfish/v1/Systems/1/Pending in `@Redfish.Settings` with SupportedApplyTimes
 *   ["OnReset"] (the capture). Lenovo's XCC REST API, "PATCH – Update pending System settings"
 *   (pubs.lenovo.com/xcc3-restapi/update_pending_system_settings_patch): PATCH /Systems/1/Pending
 *   takes Boot.BootOrder ("Item count shall not be 0"), answers 200 with the same content as GET,
 *   message RebootRequired. The capture of /Pending carries only Boot.BootOrder.
 * - "PATCH – Update next-one-time boot configurations and other properties"
 *   (pubs.lenovo.com/xcc-restapi/update_next_onetime_bootconfig_patch): PATCH /Systems/1 takes the
 *   override (BootSourceOverrideEnabled, BootSourceOverrideMode, BootSourceOverrideTarget,
 *   UefiTargetBootSourceOverride) and "changes to this object do not alter the BIOS persistent boot
 *   order configuration"; it answers with the same content as GET. BootOrder is not among its
 *   writable properties; what XCC answers to one is not documented, so DSP0266's rule applies
 *   (PropertyNotWritable).
 * - ETags only in the body (the capture); no header is claimed.
 */
export const lenovoProfile: VendorProfile = {
  ...GENERIC_DEFAULTS,
  id: 'lenovo',
  family: 'Lenovo XCC',
  // No registry in the capture; Base.1.0.0 defines every id used.
  base: 'Base.1.0',
  etagHeader: 'none',
  systemBootWritableWithSettings: OVERRIDE_PROPERTIES,
};
