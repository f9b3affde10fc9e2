import { GENERIC_DEFAULTS, type VendorProfile } from './profile';

/**
 * Supermicro X13 (libredfish/supermicro).
 *
 * - A Pxe override in UEFI mode reads back as UefiBootNext: "In UEFI mode Pxe gets converted to
 *   UefiBootNext, but it won't accept UefiBootNext directly" (NVIDIA libredfish src/supermicro.rs,
 *   set_boot_override, written against real X13 BMCs). UefiBootNext is in the capture's
 *   BootSourceOverrideTarget@Redfish.AllowableValues. Refusing a direct UefiBootNext is not modelled:
 *   no source says how the BMC refuses it.
 * - The override goes to the System itself (libredfish patches Systems/<id>; the capture carries no
 *   `@Redfish.Settings` on the System).
 * - ETags only in the body (the capture).
 */
export const supermicroProfile: VendorProfile = {
  ...GENERIC_DEFAULTS,
  id: 'supermicro',
  family: 'Supermicro',
  base: 'Base.1.0',
  etagHeader: 'none',
  readBackOverrideTarget: (target, mode) => (target === 'Pxe' && mode === 'UEFI' ? 'UefiBootNext' : target),
};
