import { GENERIC_DEFAULTS, type VendorProfile } from './profile';

/**
 * NVIDIA GH200 OpenBMC (libredfish/nvidia_gh200, two Systems; System_0 names
 * /redfish/v1/Systems/System_0/Settings in `@Redfish.Settings`).
 *
 * - Boot settings are written to /Systems/<id>/Settings: NVIDIA libredfish src/nvidia_gh200.rs
 *   (change_boot_order and set_boot_override PATCH `Systems/<id>/Settings`); NVIDIA's BMC
 *   documentation describes the same pending settings object ("To retrieve the pending boot order
 *   settings ... /redfish/v1/Systems/<id>/Settings", docs.nvidia.com/networking/display/bluefieldbmcv2309/boot+order+configuration).
 *   The capture of /Settings carries BootOrder, BootSourceOverrideEnabled, BootSourceOverrideTarget and
 *   AutomaticRetryConfig: those are what it accepts.
 * - Pending until the next reset (DSP0266 "Settings resource").
 * - A Boot write on System_0 itself: not documented for this BMC; DSP0266's rule applies
 *   (PropertyNotWritable, see GENERIC_DEFAULTS).
 * - No ETags in the capture; DSP0266's ETag header is not claimed for this BMC either.
 */
export const openbmcProfile: VendorProfile = {
  ...GENERIC_DEFAULTS,
  id: 'openbmc',
  family: 'NVIDIA GH200 OpenBMC',
  base: 'Base.1.0',
  etagHeader: 'none',
};
