import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { DriverError } from '../errors';
import type { BmcLocks } from './bmc-lock';
import type { BootDevice, BootSettings, OobDriver, OobInterrogation, OobTarget } from './interface';
import { BootFlags, IpmiParseError, Ipmitool, ipmiSettings, parseBootdevSet, parseBootParam5, parseColonPairs, parsePowerControl, parsePowerStatus } from './ipmitool';
import type { PowerReading } from './power-wait';
import { parseSent, type SentCommand, sendOnce, sentPhrase } from './resume';
import { powerCycle } from './power-cycle';
import { ensurePower } from './power-once';

/**
 * IPMI 2.0 (RMCP+) out-of-band driver on ipmitool. Power actions are "ensure" actions (status
 * first, command only when needed, then wait for two equal readings). A power cycle is an
 * explicit off-then-on by default, because `chassis power cycle` is refused by many BMCs when
 * the chassis is off and cannot be resumed half-way; a node that is off is powered on.
 */
export class IpmiDriver implements OobDriver {
  readonly type = 'ipmi';

  constructor(private readonly deps: { locks: BmcLocks; ipmitoolPath?: string }) {}

  async validateOobServices(target: OobTarget, ctx: ActionContext): Promise<ServiceCheck> {
    const tool = this.tool(target);
    const power = await this.readPower(tool, ctx);
    const mc = parseColonPairs(await tool.run(['mc', 'info'], ctx));
    const who = [mc['Manufacturer Name'], mc['Product Name']].filter(Boolean).join(' ');
    return {
      ok: true,
      message: `IPMI BMC at ${tool.settings.key} answers user ${target.username} (cipher suite ${tool.settings.cipherSuite}${who ? `; ${who}` : ''}${mc['Firmware Revision'] ? `, firmware ${mc['Firmware Revision']}` : ''}); chassis power is ${power.power}`,
      details: { bmc: tool.settings.key, cipherSuite: tool.settings.cipherSuite, power: power.power, firmware: mc['Firmware Revision'] ?? null },
    };
  }

  /** IPMI cannot pick a NIC: this makes PXE the persistent boot device, keeping the boot mode
   * (UEFI or legacy) the BMC reports, and says so. */
  async configNodePxe(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    const tool = this.tool(target);
    const current = await this.readBootFlags(tool, ctx);
    const outcome = await this.ensureBoot(tool, ctx, 'configNodePxe', { device: 'pxe', persistent: true, mode: current.mode }, current);
    const note = 'IPMI cannot choose the NIC: PXE is the persistent boot device and the firmware picks the PXE NIC';
    return { ...outcome, message: `${outcome.changed ? 'PXE set' : 'PXE already set'} as the persistent boot device (${current.mode}); ${note}${outcome.message ? `; ${outcome.message}` : ''}`, details: { ...outcome.details, method: 'bootdev-persistent' } };
  }

  async setNodeBoot(target: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome> {
    const tool = this.tool(target);
    const outcome = await this.ensureBoot(tool, ctx, 'setNodeBoot', boot, await this.readBootFlags(tool, ctx));
    const what = `boot ${boot.device} ${boot.persistent ? 'persistently' : 'once'} (${boot.mode})`;
    return { ...outcome, message: `${outcome.changed ? what : `${what} (no change: already set)`}${outcome.message ? `; ${outcome.message}` : ''}` };
  }

  /** Ensure on, once: a retried attempt decides from the previous attempt's record of the
   * accepted command (power-once.ts) and never sends it again. */
  powerOnNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.ensure(target, ctx, 'on');
  }

  powerOffNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.ensure(target, ctx, 'off');
  }

  /** An explicit off-then-on (or chassis power cycle with power_cycle: reset) that takes effect
   * once, resumable from the previous attempt's record of what was sent and when: power-cycle.ts. */
  powerCycleNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    const tool = this.tool(target);
    return powerCycle({
      node: tool.node,
      mode: tool.settings.powerCycle === 'reset' ? 'reset' : 'off-on',
      powerTimeoutMs: tool.settings.powerTimeoutMs,
      pollIntervalMs: tool.settings.pollIntervalMs,
      ctx,
      read: () => this.readPower(tool, ctx),
      send: async (what) => {
        const action = what === 'reset' ? 'cycle' : what;
        await this.control(tool, ctx, action);
        return action;
      },
      label: (command) => `chassis power ${command}`,
    });
  }

  async interrogateOob(target: OobTarget, ctx: ActionContext): Promise<OobInterrogation> {
    const tool = this.tool(target);
    const power = await this.readPower(tool, ctx);
    const flags = await this.readBootFlags(tool, ctx);
    const mc = parseColonPairs(await tool.run(['mc', 'info'], ctx));
    const guid = parseColonPairs(await tool.run(['mc', 'guid'], ctx))['System GUID'];
    // FRU inventory is optional (ipmi_sim has none): its absence is reported, not an error.
    let fru: Record<string, string> = {};
    let fruAvailable = true;
    try {
      fru = parseColonPairs(await tool.run(['fru', 'print', '0'], ctx));
    } catch (err) {
      if (!(err instanceof DriverError) || err.kind === 'AuthFailed' || err.kind === 'Unreachable') throw err;
      fruAvailable = false;
    }
    return {
      power: power.power,
      boot: { device: flags.device, enabled: !flags.valid ? 'disabled' : flags.persistent ? 'continuous' : 'once', mode: flags.mode, raw: `${flags.selector}; ${flags.persistent ? 'all future boots' : 'next boot only'}; ${flags.valid ? 'valid' : 'flag not valid'}` },
      identity: {
        manufacturer: fru['Product Manufacturer'] || fru['Board Mfg'] || mc['Manufacturer Name'] || undefined,
        model: fru['Product Name'] || mc['Product Name'] || undefined,
        serial: fru['Product Serial'] || fru['Chassis Serial'] || fru['Board Serial'] || undefined,
        uuid: guid || undefined,
        macs: [],
      },
      details: {
        bmc: tool.settings.key,
        firmware: mc['Firmware Revision'] ?? null,
        ipmiVersion: mc['IPMI Version'] ?? null,
        manufacturerId: mc['Manufacturer ID'] ?? null,
        productId: mc['Product ID'] ?? null,
        bootFlagsValid: flags.valid,
        fruAvailable,
      },
    };
  }

  // --- plumbing -------------------------------------------------------------------------

  private ensure(target: OobTarget, ctx: ActionContext, want: 'on' | 'off'): Promise<ActionOutcome> {
    const tool = this.tool(target);
    return ensurePower(
      {
        node: tool.node,
        powerTimeoutMs: tool.settings.powerTimeoutMs,
        pollIntervalMs: tool.settings.pollIntervalMs,
        ctx,
        read: () => this.readPower(tool, ctx),
        send: async () => {
          await this.control(tool, ctx, want);
          return want;
        },
        label: (command) => `chassis power ${command}`,
      },
      want,
    );
  }

  private tool(target: OobTarget): Ipmitool {
    return new Ipmitool(target, ipmiSettings(target), this.deps.locks, this.deps.ipmitoolPath ?? 'ipmitool');
  }

  private async readPower(tool: Ipmitool, ctx: ActionContext): Promise<PowerReading> {
    const out = await tool.run(['chassis', 'power', 'status'], ctx);
    const state = strict(tool, 'chassis power status', () => parsePowerStatus(out));
    return { power: state, raw: `Chassis Power is ${state}` };
  }

  private async readBootFlags(tool: Ipmitool, ctx: ActionContext): Promise<BootFlags> {
    const out = await tool.run(['chassis', 'bootparam', 'get', '5'], ctx);
    return strict(tool, 'chassis bootparam get 5', () => parseBootParam5(out));
  }

  private async control(tool: Ipmitool, ctx: ActionContext, action: 'on' | 'off' | 'cycle'): Promise<void> {
    ctx.log(`IPMI chassis power ${action} to ${tool.settings.key}`);
    const out = await tool.run(['chassis', 'power', action], ctx);
    strict(tool, `chassis power ${action}`, () => parsePowerControl(out, action === 'on' ? 'Up/On' : action === 'off' ? 'Down/Off' : 'Cycle'));
  }

  /** Sets the boot device unless the BMC already reports it (valid, same device, persistence
   * and mode), then reads it back: a different device fails; a persistence or mode the BMC does
   * not report is a warning in the outcome (ipmi_sim, like some BMCs, keeps only the device).
   * The command is written ahead (sendOnce): a retry whose previous attempt sent it, or was about
   * to, and that reads the wanted device does not send it again, even where the BMC does not
   * report persistence or mode. */
  private async ensureBoot(tool: Ipmitool, ctx: ActionContext, action: string, want: { device: BootDevice; persistent: boolean; mode: 'uefi' | 'legacy' }, before: BootFlags): Promise<ActionOutcome> {
    const details = { device: want.device, persistent: want.persistent, mode: want.mode };
    if (before.valid && before.device === want.device && before.persistent === want.persistent && before.mode === want.mode) {
      return { changed: false, message: '', details };
    }
    const earlier = bootRecord(ctx.resumeFrom, action, details);
    if (earlier && before.device === want.device) {
      return { changed: true, message: `set by the previous attempt (${sentPhrase(earlier, (c) => c)}); the BMC reports boot device ${before.selector}, so it is not sent again`, details: { ...details, resumedFrom: 'boot-requested', acceptedAt: earlier.at } };
    }
    const options = [want.persistent ? 'persistent' : undefined, want.mode === 'uefi' ? 'efiboot' : undefined].filter((o): o is string => o !== undefined);
    const command = ['chassis', 'bootdev', want.device, ...(options.length ? [`options=${options.join(',')}`] : [])];
    await sendOnce(ctx, { action, step: 'boot-requested', want: details }, command.join(' '), { action, step: 'not-started' }, async () => {
      const out = await tool.run(command, ctx);
      strict(tool, command.join(' '), () => parseBootdevSet(out, want.device));
      return command.join(' ');
    });
    const after = await this.readBootFlags(tool, ctx);
    if (after.device !== want.device) {
      throw new DriverError('bmc', 'Unsupported', `node ${tool.node}: the IPMI BMC at ${tool.settings.key} accepted "${command.join(' ')}" but reports the boot device as "${after.selector}"`, {
        target: tool.node,
        details: { wanted: want.device, selector: after.selector },
      });
    }
    const notes: string[] = [];
    if (!after.valid) notes.push('the BMC reports the boot flags as not valid');
    if (after.persistent !== want.persistent) notes.push(`the BMC reports "${after.persistent ? 'all future boots' : 'next boot only'}" although ${want.persistent ? 'persistent' : 'once'} was requested`);
    if (after.mode !== want.mode) notes.push(`the BMC reports ${after.mode} boot although ${want.mode} was requested`);
    return {
      changed: true,
      message: notes.length ? `warning: ${notes.join('; ')}` : '',
      details: { ...details, command: command.join(' '), readBackValid: after.valid, readBackPersistent: after.persistent, readBackMode: after.mode },
    };
  }
}

/** Runs a parser; an answer it does not understand is BmcUnsupported with ipmitool's words. */
function strict<T>(tool: Ipmitool, command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof IpmiParseError)) throw err;
    throw new DriverError('bmc', 'Unsupported', `node ${tool.node}: the IPMI BMC at ${tool.settings.key} gave an answer drydock does not understand to "${command}": ${err.message}`, {
      target: tool.node,
      details: { command },
    });
  }
}

/** The previous attempt's write-ahead record of a boot command for the same settings. */
function bootRecord(resumeFrom: unknown, action: string, want: { device: string; persistent: boolean; mode: string }): SentCommand | undefined {
  if (resumeFrom === null || typeof resumeFrom !== 'object') return undefined;
  const r = resumeFrom as { action?: unknown; step?: unknown; want?: { device?: unknown; persistent?: unknown; mode?: unknown }; sent?: unknown };
  if (r.action !== action || r.step !== 'boot-requested' || r.want?.device !== want.device || r.want.persistent !== want.persistent || r.want.mode !== want.mode) return undefined;
  return parseSent(r.sent);
}
