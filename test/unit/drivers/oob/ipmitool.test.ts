import { classifyIpmiFailure, ipmitoolWorstCaseMs, IpmiParseError, meaningfulLines, parseBootdevSet, parseBootParam5, parseColonPairs, parsePowerControl, parsePowerStatus } from '../../../../src/drivers/oob/ipmitool';

// Outputs captured from ipmitool 1.8.19 against OpenIPMI ipmi_sim on this project's lab.
const BOOTPARAM_PXE = `Boot parameter version: 1
Boot parameter 5 is valid/unlocked
Boot parameter data: 0004000000
 Boot Flags :
   - Boot Flag Invalid
   - Options apply to only next boot
   - BIOS PC Compatible (legacy) boot 
   - Boot Device Selector : Force PXE
   - BIOS verbosity : System Default
   - Console Redirection control : Console redirection occurs per BIOS configuration setting (default)
   - BIOS Mux Control Override : BIOS uses recommended setting of the mux at the end of POST
`;
// A real BMC with a valid, persistent UEFI override (same layout; flags bytes e0 04).
const BOOTPARAM_UEFI_PERSISTENT = BOOTPARAM_PXE.replace('0004000000', 'e004000000')
  .replace('Boot Flag Invalid', 'Boot Flag Valid')
  .replace('Options apply to only next boot', 'Options apply to all future boots')
  .replace('BIOS PC Compatible (legacy) boot ', 'BIOS EFI boot ')
  .replace('Force PXE', 'Force Boot from CD/DVD');

const VERBOSE_NOISE = 'Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\nDiscovered IPMB address 0x0\n';
const CONTEXT = { node: 'n1', bmc: '10.0.0.5:623', command: 'chassis power status', username: 'admin', cipherSuite: 3 };

describe('ipmitool output parsers', () => {
  it('reads power status and control answers strictly', () => {
    expect(parsePowerStatus('Chassis Power is on\n')).toBe('on');
    expect(parsePowerStatus('Chassis Power is off\n')).toBe('off');
    expect(() => parsePowerStatus('Chassis Power is unknown\n')).toThrow(IpmiParseError);
    expect(() => parsePowerStatus('')).toThrow('expected "Chassis Power is on|off", got ""');
    expect(() => parsePowerControl('Chassis Power Control: Up/On\n', 'Up/On')).not.toThrow();
    expect(() => parsePowerControl('Chassis Power Control: Down/Off\n', 'Up/On')).toThrow(IpmiParseError);
    expect(() => parseBootdevSet('Set Boot Device to pxe\n', 'pxe')).not.toThrow();
    // `chassis bootdev floppy` on ipmi_sim exits 0 with nothing on stdout: not a success.
    expect(() => parseBootdevSet('', 'pxe')).toThrow('expected "Set Boot Device to pxe"');
  });

  it('reads boot parameter 5: validity, persistence, mode and device', () => {
    expect(parseBootParam5(BOOTPARAM_PXE)).toEqual({ valid: false, persistent: false, mode: 'legacy', device: 'pxe', selector: 'Force PXE' });
    expect(parseBootParam5(BOOTPARAM_UEFI_PERSISTENT)).toEqual({ valid: true, persistent: true, mode: 'uefi', device: 'cdrom', selector: 'Force Boot from CD/DVD' });
    expect(parseBootParam5(BOOTPARAM_PXE.replace('Force PXE', 'Force Boot from default Hard-Drive')).device).toBe('disk');
    expect(parseBootParam5(BOOTPARAM_PXE.replace('Force PXE', 'Force Boot from Floppy/primary removable media')).device).toBe('other');
    expect(parseBootParam5(BOOTPARAM_PXE.replace('Force PXE', 'No override')).device).toBe('none');
  });

  it('refuses boot parameter output missing a line it relies on', () => {
    expect(() => parseBootParam5(BOOTPARAM_PXE.replace('   - Options apply to only next boot\n', ''))).toThrow('no "Options apply to ..." line');
    expect(() => parseBootParam5(BOOTPARAM_PXE.replace('   - Boot Flag Invalid\n', ''))).toThrow('no "Boot Flag Valid/Invalid" line');
    expect(() => parseBootParam5(BOOTPARAM_PXE.replace('BIOS PC Compatible (legacy) boot', 'BIOS something'))).toThrow('no BIOS boot type line');
    expect(() => parseBootParam5(BOOTPARAM_PXE.replace('Boot Device Selector', 'Device'))).toThrow('no "Boot Device Selector" line');
    expect(() => parseBootParam5('Error: Unable to get boot parameter')).toThrow(IpmiParseError);
  });

  it('reads key : value answers (mc info, mc guid)', () => {
    const mc = parseColonPairs('Device ID                 : 0\nFirmware Revision         : 9.08\nManufacturer Name         : MontaVista Software, Inc.\nAdditional Device Support :\n    Sensor Device\n');
    expect(mc).toMatchObject({ 'Device ID': '0', 'Firmware Revision': '9.08', 'Manufacturer Name': 'MontaVista Software, Inc.', 'Additional Device Support': '' });
    expect(parseColonPairs('System GUID   : efcdab89-6745-23a1-efcd-ab89674523a1\nGUID Encoding : IPMI\n')['System GUID']).toBe('efcdab89-6745-23a1-efcd-ab89674523a1');
  });
});

describe('classifying ipmitool failures (stderr captured with -v)', () => {
  it('tells a wrong password, a wrong user and a dead BMC apart', () => {
    const password = classifyIpmiFailure(`${VERBOSE_NOISE}> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n`, CONTEXT);
    expect(password).toMatchObject({ type: 'BmcAuthFailed', retryable: false });
    expect(password.message).toBe('node n1: the IPMI BMC at 10.0.0.5:623 refused the password of user admin (RAKP 2 HMAC is invalid); check the credential the design references');
    const user = classifyIpmiFailure('Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n', CONTEXT);
    expect(user).toMatchObject({ type: 'BmcAuthFailed' });
    expect(user.message).toContain('does not know user admin');
    const down = classifyIpmiFailure('Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n', CONTEXT);
    expect(down).toMatchObject({ type: 'BmcUnreachable', retryable: true });
    expect(down.details.ipmitool).toBe('Get Auth Capabilities error / Error issuing Get Channel Authentication Capabilities request / Error: Unable to establish IPMI v2 / RMCP+ session');
  });

  it('names the cipher suite the BMC refuses, and treats busy answers as retryable', () => {
    const cipher = classifyIpmiFailure('Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n', { ...CONTEXT, cipherSuite: 17 });
    expect(cipher).toMatchObject({ type: 'BmcUnsupported', retryable: false });
    expect(cipher.message).toContain('refuses cipher suite 17');
    expect(classifyIpmiFailure('Set Chassis Power Control to Up/On failed: Node busy\n', CONTEXT)).toMatchObject({ type: 'BmcBusy', retryable: true });
    expect(classifyIpmiFailure('Set Chassis Power Control to Up/On failed: Insufficient privilege level\n', CONTEXT)).toMatchObject({ type: 'BmcAuthFailed' });
    const unknown = classifyIpmiFailure('Set Chassis Boot Parameter 5 failed: Unspecified error\n', CONTEXT);
    expect(unknown).toMatchObject({ type: 'BmcUnsupported' });
    expect(unknown.message).toContain('(Set Chassis Boot Parameter 5 failed: Unspecified error)');
    // Captured from ipmitool against an ipmi_sim stopped (SIGSTOP) after the session opened: no
    // answer to the command, none to the session close. Retryable, not "unsupported".
    const froze = classifyIpmiFailure('Unable to get Chassis Power Status\nClose Session command failed\n', CONTEXT);
    expect(froze).toMatchObject({ type: 'BmcUnreachable', retryable: true });
    expect(froze.message).toContain('stopped answering during');
  });

  it('drops the lines -v adds to every run', () => {
    expect(meaningfulLines(`${VERBOSE_NOISE}real problem\n`)).toEqual(['real problem']);
  });

  it('knows how long ipmitool keeps trying a BMC that does not answer (measured)', () => {
    expect(ipmitoolWorstCaseMs(1, 1)).toBe(2_000);
    expect(ipmitoolWorstCaseMs(2, 2)).toBe(10_000);
    expect(ipmitoolWorstCaseMs(2, 3)).toBe(18_000);
    expect(ipmitoolWorstCaseMs(3, 2)).toBe(14_000);
  });
});
