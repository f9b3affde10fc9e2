import { GENERIC_DEFAULTS, type VendorProfile } from './profile';

/**
 * AMI MegaRAC SP-X (libredfish/nvidia_viking: NVIDIA DGX H100, "AMI Redfish Server" in its root).
 * Lenovo's ThinkSystem System Manager (TSM) documentation documents the same AMI Redfish server
 * (pubs.lenovo.com/tsm):
 * - "PATCH – Systems Instance": every patchable ComputerSystem property "except for Boot Properties
 *   which can be patched only with the Systems/Self/SD or the Future Settings URI"; 204 on success
 *   (pubs.lenovo.com/tsm/patch_change_system_instance). A Boot write on the System is therefore
 *   refused with DSP0266's PropertyNotWritable (the exact AMI answer is not documented).
 * - "PATCH – Systems Instance FutureState (SD)": Boot override properties at /Systems/<id>/SD, 204
 *   (pubs.lenovo.com/tsm/patch_systems_instance_sd). libredfish (src/nvidia_viking.rs) writes the
 *   override and BootOrder there, taking the ETag from the SD body's `@odata.etag`.
 * - "Data Modification Requests": "all PATCH request requires a valid precondition header (If-Match
 *   or If-None-Match) ... Any request without a precondition header will be rejected with
 *   HTTP-428-PreConditionRequired, and requests with failed precondition header will be rejected with
 *   HTTP-412-PreConditionFailed" (pubs.lenovo.com/tsm/data_modification_requests). libredfish sends
 *   BootOrder with If-None-Match carrying the current ETag and real DGX BMCs accept it, so
 *   If-None-Match counts as the required header and is not evaluated.
 * - SD is the future state: applied at the next reset (DSP0266 "Settings resource").
 * - ETags only in the body (the capture).
 */
export const amiProfile: VendorProfile = {
  ...GENERIC_DEFAULTS,
  id: 'ami',
  family: 'AMI MegaRAC',
  base: 'Base.1.0',
  etagHeader: 'none',
  requirePrecondition: true,
  patchStatus: 204,
  systemBootWritableWithSettings: [],
};
