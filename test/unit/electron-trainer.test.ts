import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { installedSqlite } from '../../src-main/store/binding';
import { toyCsv } from './helpers/toy';

/**
 * A trainer forked from the desktop app runs Electron's own Node: process.versions says
 * electron, and better-sqlite3 must come through nativeBinding. Without the Electron binary,
 * that runtime is faked in every forked trainer (a NODE_OPTIONS preload), and this Node's
 * own build stands in for the Electron build, so the trainer really opens the database with it.
 */
describe('a trainer forked under (faked) Electron', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-electron-trainer-'));
  const saved = { ...process.env };
  afterAll(() => { process.env = saved; });
  const fakeRuntime = (versions: Record<string, string>) => {
    const file = join(dir, `runtime-${Object.values(versions).join('-')}.mjs`);
    writeFileSync(file, Object.entries(versions).map(([k, v]) => `Object.defineProperty(process.versions, '${k}', { value: '${v}', enumerable: true });`).join('\n'));
    return `--import ${pathToFileURL(file).href}`;
  };
  const trainOne = async (lab: Lab) => {
    await lab.call('datasets/import', { filename: 'toy.csv', content: toyCsv(300) });
    const set = await lab.call('taskSets/create', { name: 'toy', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] });
    const [run] = await lab.call('runs/start', { taskSetId: set.id, epochs: 1 });
    return lab.runs.wait(run.id);
  };

  it('chooses and records its backend as a Node trainer does, adding the Electron version, and opens the database through nativeBinding', async () => {
    const node = new Lab(join(dir, 'node.db'));
    const fromNode = await trainOne(node);
    node.close();

    process.env.NODE_OPTIONS = fakeRuntime({ electron: '45.4.1' });
    process.env.ATTENTION_LAB_SQLITE_BINDING = installedSqlite().build;
    const electron = new Lab(join(dir, 'electron.db'));
    const fromElectron = await trainOne(electron);
    electron.close();

    expect(fromElectron.status).toBe('completed');
    const [a, b] = [fromNode, fromElectron].map((r) => r.environment.backend as { choice: string; name: string; versions: Record<string, string>; tried: string[] });
    expect(b.versions.electron).toBe('45.4.1');
    expect(a.versions.electron).toBeUndefined();
    expect({ ...b, versions: { ...b.versions, electron: undefined } }).toEqual({ ...a, versions: { ...a.versions, electron: undefined } });
    expect(fromElectron.backend).toBe(fromNode.backend);
  });

  it('with no better-sqlite3 build for its Electron, the run fails with the message that names the file and the fix', async () => {
    process.env.NODE_OPTIONS = fakeRuntime({ electron: '45.4.1', modules: '150' });
    delete process.env.ATTENTION_LAB_SQLITE_BINDING;
    process.env.ATTENTION_LAB_NATIVE_CACHE = join(dir, 'empty-cache');
    const lab = new Lab(join(dir, 'no-build.db'));
    const run = await trainOne(lab);
    lab.close();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/needs better-sqlite3 .* built for Electron 45\.4\.1 \(NODE_MODULE_VERSION 150.*empty-cache.*does not exist\. Fix: /);
    expect(run.error).not.toMatch(/\n\s+at /); // no stack trace
  });
});
