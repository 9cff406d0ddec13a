import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDatabase, dataDir, defaultDbPath, type Place } from '../../src-main/store/location';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

/** One lab, one database: every door opens the same default, another only when asked. */
describe('where the database lives', () => {
  const dir = tmpDir();
  const linux = (env: NodeJS.ProcessEnv = {}): Place => ({ env: { XDG_DATA_HOME: join(dir, 'xdg'), ...env }, platform: 'linux', home: join(dir, 'home') });

  it("is the platform's data folder: XDG on Linux, Application Support on macOS, AppData on Windows", () => {
    expect(defaultDbPath(linux())).toBe(join(dir, 'xdg', 'attention-lab', 'lab.db'));
    expect(dataDir({ env: {}, platform: 'linux', home: '/home/ana' })).toBe('/home/ana/.local/share/attention-lab');
    expect(dataDir({ env: {}, platform: 'darwin', home: '/Users/ana' })).toBe('/Users/ana/Library/Application Support/Attention Lab');
    expect(dataDir({ env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\ana' })).toBe(join('C:\\Users\\ana\\AppData\\Roaming', 'Attention Lab'));
  });

  it('is another only when asked: ATTENTION_LAB_DB over the one chosen in the app over the default', () => {
    chooseDatabase(join(dir, 'chosen.db'), linux());
    expect(defaultDbPath(linux())).toBe(join(dir, 'chosen.db'));
    expect(defaultDbPath(linux({ ATTENTION_LAB_DB: join(dir, 'env.db') }))).toBe(join(dir, 'env.db'));
    chooseDatabase(null, linux());
    expect(defaultDbPath(linux())).toBe(join(dir, 'xdg', 'attention-lab', 'lab.db'));
  });

  it('a broken settings file is named, not ignored', () => {
    chooseDatabase(join(dir, 'chosen.db'), linux());
    writeFileSync(join(dir, 'xdg', 'attention-lab', 'settings.json'), '{"database": ');
    expect(() => defaultDbPath(linux())).toThrow(/settings\.json is not valid JSON/);
  });

  it('the CLI opens the default, and the database chosen in the app, like every door', async () => {
    const env = { XDG_DATA_HOME: join(dir, 'xdg'), ATTENTION_LAB_DB: '' };
    expect((await cli(['db', 'info'], env)).stdout).toContain(join(dir, 'xdg', 'attention-lab', 'lab.db'));
    chooseDatabase(join(dir, 'chosen.db'), linux());
    expect((await cli(['db', 'info'], env)).stdout).toContain(join(dir, 'chosen.db'));
    expect(existsSync(join(dir, 'chosen.db'))).toBe(true);
  });
});
