import { DEFAULT_DYNAMIC_CONFIG, DEFAULT_SQLITE_PRAGMAS, devServerArgs, dynamicConfigFromEnv, sqlitePragmasFromEnv } from '../../../src/tools/dev-server';

const base = { ip: '127.0.0.1', port: 7233, namespace: 'default', logLevel: 'warn' };

describe('dev server arguments', () => {
  it('passes the SQLite pragmas with a database file, and none in memory', () => {
    const withFile = devServerArgs({ ...base, dbFilename: '/tmp/t.db', sqlitePragmas: DEFAULT_SQLITE_PRAGMAS });
    expect(withFile.join(' ')).toContain('--db-filename /tmp/t.db --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal');
    const inMemory = devServerArgs({ ...base, sqlitePragmas: DEFAULT_SQLITE_PRAGMAS });
    expect(inMemory).not.toContain('--sqlite-pragma');
    expect(inMemory).not.toContain('--db-filename');
    expect(inMemory).toContain('--headless');
  });

  it('reads DRYDOCK_SQLITE_PRAGMAS: unset keeps the default, empty means none, entries are trimmed', () => {
    expect(sqlitePragmasFromEnv({})).toBeUndefined();
    expect(sqlitePragmasFromEnv({ DRYDOCK_SQLITE_PRAGMAS: '' })).toEqual([]);
    expect(sqlitePragmasFromEnv({ DRYDOCK_SQLITE_PRAGMAS: ' journal_mode=wal , synchronous=full,' })).toEqual(['journal_mode=wal', 'synchronous=full']);
  });

  it('passes dynamic config values, the defaults turning off the forced search attribute cache refresh and turning on eager activities', () => {
    const args = devServerArgs({ ...base, dynamicConfig: DEFAULT_DYNAMIC_CONFIG }).join(' ');
    expect(args).toContain('--dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=false');
    expect(args).toContain('--dynamic-config-value system.enableActivityEagerExecution=true');
    expect(devServerArgs(base)).not.toContain('--dynamic-config-value');
    expect(dynamicConfigFromEnv({})).toBeUndefined();
    expect(dynamicConfigFromEnv({ DRYDOCK_DEV_SERVER_DYNAMIC_CONFIG: '' })).toEqual([]);
    expect(dynamicConfigFromEnv({ DRYDOCK_DEV_SERVER_DYNAMIC_CONFIG: 'a.b=1, c.d=true' })).toEqual(['a.b=1', 'c.d=true']);
  });
});
