import { djangoBool, Params, parseMultipart } from '../../../../lab/maas/http';

// The emulator reads form bodies as MAAS (Django) does.
describe('MAAS emulator form parsing', () => {
  it("reads booleans as Django's CheckboxInput: only 'false' (any case) and '' are false, so '0' is true", () => {
    expect(['true', 'True', '1', '0', 'no', 'off', 'yes'].map(djangoBool)).toEqual([true, true, true, true, true, true, true]);
    expect(['false', 'False', 'FALSE', ''].map(djangoBool)).toEqual([false, false, false, false]);
    const params = new Params({ enable_ssh: ['0'], skip_bmc_config: ['false'] });
    expect([params.bool('enable_ssh'), params.bool('skip_bmc_config'), params.bool('absent'), params.bool('absent', true)]).toEqual([true, false, false, true]);
  });

  it('decodes multipart parts sent with Content-Transfer-Encoding: base64 (what MAAS\'s CLI and python-libmaas send)', () => {
    const b = 'XyZ';
    const body = Buffer.from(
      [
        `--${b}`,
        'Content-Disposition: form-data; name="name"',
        'Content-Type: text/plain; charset="utf-8"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('fabric-é').toString('base64'),
        `--${b}`,
        'Content-Disposition: form-data; name="plain"',
        '',
        'as is',
        `--${b}--`,
        '',
      ].join('\r\n'),
    );
    expect(parseMultipart(body, b)).toEqual({ name: ['fabric-é'], plain: ['as is'] });
  });
});
