import { errorBody } from '../../../../lab/redfish/vendor/messages';
import { PROFILES, profileForTree } from '../../../../lab/redfish/vendor/profiles';
import { powerAfter, startVendorRedfish } from '../../../../lab/redfish/vendor/server';
import { etagLike, loadTree, normalisePath } from '../../../../lab/redfish/vendor/tree';
import { REDFISH_TREES, treeDir } from '../../../support/redfish-payloads';

describe('lab vendor Redfish: reading the captured trees', () => {
  it('normalises trailing slashes, queries and doubled slashes the way the captures need', () => {
    // pypi/hpe-ilo5-110 writes "/redfish/v1/Systems/1/"; libredfish/lenovo's root is "/redfish/v1/".
    expect(normalisePath('/redfish/v1/Systems/1/')).toBe('/redfish/v1/Systems/1');
    expect(normalisePath('/redfish/v1/')).toBe('/redfish/v1');
    expect(normalisePath('/redfish//v1/Systems?$expand=*')).toBe('/redfish/v1/Systems');
    expect(normalisePath('/')).toBe('/');
  });

  it.each(REDFISH_TREES)('loads %s with its service root and every System it lists', (tree) => {
    const loaded = loadTree(treeDir(tree));
    expect(loaded.resources.get('/redfish/v1')).toBeDefined();
    const collection = loaded.resources.get('/redfish/v1/Systems');
    const members = (collection?.Members as Array<{ '@odata.id': string }>).map((m) => normalisePath(m['@odata.id']));
    expect(members.length).toBeGreaterThan(0);
    for (const m of members) expect(loaded.resources.has(m)).toBe(true);
  });

  it('refuses a folder without a service root, naming it', () => {
    expect(() => loadTree(treeDir('dmtf'))).toThrow(/dmtf: no Redfish service root/);
  });

  it('makes new ETags in the shape of the captured ones', () => {
    const res = { Id: '1', Boot: { BootOrder: ['a'] } };
    expect(etagLike('W/"9B9F7D67"', res)).toMatch(/^W\/"[0-9a-f]{8}"$/);
    expect(etagLike('"1720574208"', res)).toMatch(/^"[0-9]{10}"$/);
    expect(etagLike('"387fcecc167782f0b7edb1"', res)).toMatch(/^"[0-9a-f]{22}"$/);
    expect(etagLike(undefined, res)).toMatch(/^"[0-9a-f]{8}"$/);
    expect(etagLike('"abc12345"', res)).toBe(etagLike('"abc12345"', { ...res }));
    expect(etagLike('"abc12345"', res)).not.toBe(etagLike('"abc12345"', { ...res, Id: '2' }));
  });
});

describe('lab vendor Redfish: profiles', () => {
  it('maps every tree to its vendor profile', () => {
    const byTree = Object.fromEntries(REDFISH_TREES.map((t) => [t, profileForTree(treeDir(t)).id]));
    expect(byTree).toEqual({
      'dmtf/public-rackmount1': 'dmtf',
      'dmtf/public-bladed': 'dmtf',
      'dmtf/public-smartnic': 'dmtf',
      'dmtf/public-telemetry': 'dmtf',
      'libredfish/dell': 'dell',
      'libredfish/hpe': 'hpe',
      'libredfish/lenovo': 'lenovo',
      'libredfish/supermicro': 'supermicro',
      'libredfish/nvidia_viking': 'ami',
      'libredfish/nvidia_gh200': 'openbmc',
      'pypi/hpe-ilo5-110': 'hpe',
      'pypi/dell-r640': 'dell',
    });
    expect(profileForTree('/somewhere/else').id).toBe('dmtf');
    expect(Object.keys(PROFILES).sort()).toEqual(['ami', 'dell', 'dmtf', 'hpe', 'lenovo', 'openbmc', 'supermicro']);
  });

  it('refuses an unknown profile, naming the known ones, before listening', async () => {
    await expect(startVendorRedfish({ treeDir: treeDir('libredfish/dell'), profile: 'nope' })).rejects.toThrow(
      "unknown vendor profile 'nope': use one of dmtf, dell, hpe, lenovo, supermicro, ami, openbmc",
    );
  });

  it('wraps messages in each vendor frame', () => {
    const m = { MessageId: 'Base.1.0.PropertyValueNotInList', Message: 'text', MessageArgs: ['x', 'y'] };
    expect(errorBody('generic', [m])).toEqual({ error: { code: m.MessageId, message: 'text', '@Message.ExtendedInfo': [m] } });
    expect(errorBody('ilo', [m])).toEqual({
      error: { code: 'iLO.0.10.ExtendedInfo', message: 'See @Message.ExtendedInfo for more information.', '@Message.ExtendedInfo': [{ MessageId: m.MessageId, MessageArgs: ['x', 'y'] }] },
    });
    const idrac = errorBody('idrac', [m]) as { error: { code: string; '@Message.ExtendedInfo': Array<Record<string, unknown>> } };
    expect(idrac.error.code).toBe('Base.1.0.GeneralError');
    expect(idrac.error['@Message.ExtendedInfo'][0]).toMatchObject({ MessageId: m.MessageId, 'MessageArgs@odata.count': 2, RelatedProperties: [], Severity: 'Warning' });
  });

  it('refuses HPE resets into the current power state only', () => {
    const same = PROFILES.hpe.samePowerStateReset!;
    expect(same('On', 'On')?.MessageArgs).toEqual(['Power is on']);
    expect(same('Off', 'ForceOff')?.MessageArgs).toEqual(['Power is off']);
    expect(same('On', 'ForceRestart')).toBeUndefined();
    expect(same('Off', 'On')).toBeUndefined();
  });

  it('reads a UEFI Pxe override back as UefiBootNext on Supermicro only', () => {
    expect(PROFILES.supermicro.readBackOverrideTarget!('Pxe', 'UEFI')).toBe('UefiBootNext');
    expect(PROFILES.supermicro.readBackOverrideTarget!('Pxe', 'Legacy')).toBe('Pxe');
    expect(PROFILES.supermicro.readBackOverrideTarget!('Hdd', 'UEFI')).toBe('Hdd');
    expect(PROFILES.dell.readBackOverrideTarget).toBeUndefined();
  });

  it('maps reset types onto power states and boots', () => {
    expect(powerAfter('Off', 'On')).toEqual({ to: 'On', boots: true });
    expect(powerAfter('On', 'On')).toEqual({ to: 'On', boots: false });
    expect(powerAfter('On', 'ForceOff')).toEqual({ to: 'Off', boots: false });
    expect(powerAfter('On', 'ForceRestart')).toEqual({ to: 'On', boots: true });
    expect(powerAfter('On', 'PushPowerButton')).toEqual({ to: 'Off', boots: false });
    expect(powerAfter('Off', 'PushPowerButton')).toEqual({ to: 'On', boots: true });
    expect(powerAfter('On', 'Nmi')).toEqual({ to: 'On', boots: false });
  });
});
