import type { ErrorStyle, ExtendedMessage } from '../messages';

/** The Boot properties that set a one-time or persistent override (ComputerSystem schema). */
export const OVERRIDE_PROPERTIES = [
  'BootSourceOverrideEnabled',
  'BootSourceOverrideTarget',
  'BootSourceOverrideMode',
  'UefiTargetBootSourceOverride',
] as const;

/** Operations a "busy" window can refuse. */
export type BusyOperation = 'patch-boot' | 'reset';

/**
 * How one vendor's Redfish service answers writes. Everything the captures show (resources, ETags in
 * the body, `@Redfish.Settings`, AllowableValues, ResetActionInfo) comes from the tree itself; a
 * profile holds only what the captures cannot show, each field with its source in the profile file.
 */
export interface VendorProfile {
  id: string;
  /** Vendor family as the support matrix names it. */
  family: string;
  /** Base registry prefix of its messages, e.g. `Base.1.0`. */
  base: string;
  errorStyle: ErrorStyle;
  /**
   * ETag response header on GET: `computed` on every resource (the body's `@odata.etag` where it has
   * one), `none` (the ETag only in the body, where the capture has it).
   */
  etagHeader: 'computed' | 'none';
  /** Every PATCH needs If-Match or If-None-Match, else 428. */
  requirePrecondition: boolean;
  /** Status of a successful PATCH: 200 with the resource, or 204 without a body. */
  patchStatus: 200 | 204;
  /** The body of a fully successful 200 PATCH, where the vendor sends a message instead of the resource. */
  patchBody?: (base: string) => unknown;
  /**
   * Boot properties a PATCH of the System itself may change when the System names a settings
   * object in `@Redfish.Settings`. (A settings object accepts the Boot properties its own capture
   * carries.) Systems without a settings object accept every writable Boot property they carry.
   */
  systemBootWritableWithSettings: readonly string[];
  /** A BootOrder PATCH of a System without a settings object creates a job applied at the next reset. */
  bootOrderJob?: { jobsCollection: string };
  /** The value a System reads back after accepting a BootSourceOverrideTarget. */
  readBackOverrideTarget?: (target: string, mode: unknown) => string;
  /** Refusals while the host is in POST after a reset (the window length is a service option). */
  busy?: { status: number; message: (op: BusyOperation, firstProperty: string | undefined) => ExtendedMessage };
  /** Refusal of a reset that asks for the power state the System is already in. */
  samePowerStateReset?: (powerState: string, resetType: string) => ExtendedMessage | undefined;
  /** Status and body of an accepted ComputerSystem.Reset. */
  resetStatus: 200 | 204;
  resetBody?: (base: string) => unknown;
}

/** DSP0266's generic answers, for everything a vendor does not document otherwise. */
export const GENERIC_DEFAULTS: Omit<VendorProfile, 'id' | 'family'> = {
  // dmtf/public-rackmount1/Registries/Base.1.5.0 is the registry the DMTF mockups carry.
  base: 'Base.1.5',
  errorStyle: 'generic',
  // DSP0266 "ETags": services should return an ETag header on GET of a resource.
  etagHeader: 'computed',
  // DSP0266 "ETags"/"Modification requests": If-Match is honoured when sent (412 when stale), not required.
  requirePrecondition: false,
  // DSP0266 "PATCH (update)": 200 with the updated resource (or 204).
  patchStatus: 200,
  // DSP0266 "Settings resource": where a resource names a settings object, clients write the future
  // values there; the resource itself reports the current ones. No vendor text says what happens to a
  // write of those properties on the resource itself, so DSP0266's rule for a property the client may
  // not write applies: PropertyNotWritable (400 when nothing else in the request could be applied).
  systemBootWritableWithSettings: [],
  // DSP0266 "POST (action)": 204 No Content for an action that returns nothing.
  resetStatus: 204,
};
