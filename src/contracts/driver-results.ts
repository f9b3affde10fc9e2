/**
 * What driver actions return, as plain JSON: the activities hand these to the workflows
 * unchanged, so they are part of the activity contract. Drivers import them from here.
 */
import type { BootActionRef } from './bootactions';

/** The result of an action that changes something. `changed: false` means the desired state
 * already held and nothing was sent (ensure semantics). */
export interface ActionOutcome {
  changed: boolean;
  message: string;
  details?: Record<string, string | number | boolean | null>;
  /** Set by actions that need a person (the manual OOB driver): the workflow waits for a
   * `confirm` for this node before going on. */
  awaitConfirmation?: { prompt: string };
  /** DeployNode: the boot actions prepared for the node (ids and names, never keys); the node
   * workflow waits for the signalling ones to report. */
  bootActions?: BootActionRef[];
}

/** Result of the Validate*Services actions. */
export interface ServiceCheck {
  ok: boolean;
  /** e.g. "MAAS 3.4.0 at http://127.0.0.1:5240/MAAS, API key accepted" */
  message: string;
  details?: Record<string, string | number | boolean | null>;
}

// ---- out-of-band ----

export type BootDevice = 'pxe' | 'disk' | 'cdrom';

export interface BootSettings {
  device: BootDevice;
  /** false: next boot only; true: every boot. */
  persistent: boolean;
  mode: 'uefi' | 'legacy';
}

export type PowerState = 'on' | 'off' | 'unknown';

export interface OobInterrogation {
  power: PowerState;
  /** The boot override; `raw` keeps the BMC's own words (e.g. Redfish `Hdd`, IPMI `Force PXE`). */
  boot?: { device: BootDevice | 'none' | 'other'; enabled: 'once' | 'continuous' | 'disabled'; mode?: 'uefi' | 'legacy'; raw?: string };
  identity: {
    manufacturer?: string;
    model?: string;
    serial?: string;
    uuid?: string;
    macs: string[];
  };
  /** e.g. Redfish System id, IPMI device id / firmware. */
  details?: Record<string, string | number | boolean | null>;
}

// ---- node bootstrapper ----

export interface NodeIdentity {
  /** false: the bootstrapper does not know the machine yet (it has not PXE-booted). */
  found: boolean;
  /** The bootstrapper's id (MAAS system_id). */
  machineId?: string;
  /** The bootstrapper's status name (MAAS status_name: New, Ready, Deployed, ...). */
  status?: string;
  /** How it was matched: hostname, bmc-address or boot-mac. */
  matchedBy?: 'hostname' | 'bmc-address' | 'boot-mac';
}

export interface NodeInterrogation {
  identity: NodeIdentity;
  details: Record<string, unknown>;
}

// ---- network ----

export interface PortState {
  switch: string;
  port: string;
  /** VLAN id carried untagged (PVID), if any. */
  untagged?: number;
  tagged: number[];
  up?: boolean;
  /** The node interfaces cabled to the port (from the design). */
  interfaces?: string[];
  /** The bridge the port belongs to (linux-bridge driver). */
  bridge?: string;
  /** Every VLAN of the port with its flags, as the switch reports it (also those that fit
   * neither `untagged` nor `tagged`, e.g. egress-untagged VLANs other than the PVID). */
  vlans?: Array<{ vid: number; pvid: boolean; untagged: boolean }>;
}
