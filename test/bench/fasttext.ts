/**
 * The lab against fastText on the built-in spam split (issue 19). Both get the same
 * training and test texts: the split is exported in fastText's format, each text as the
 * lab's tokens (lower-cased words) joined by spaces. Each side is timed as whole
 * processes, start to a trained and evaluated model:
 *   fastText: `fasttext supervised` (dim 64, lr 0.5, 5 epochs) then `fasttext test`
 *   the lab:  `attention-lab run spam --policy uniform --epochs 5 --threads N` (bag, batch 32,
 *             evaluation after every epoch, checkpoints), its data set already imported
 * with 1 and 2 threads, `repeats` times each, interleaved so both see the same load.
 * fastText is the Debian package; this installs nothing and skips its rows when absent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../../src-main/lab';
import { tokens } from '../../src-main/datasets/tokenise';
import * as store from '../../src-main/store';
import { printTable } from './report';

const CLI = fileURLToPath(new URL('../../bin/attention-lab.mjs', import.meta.url));

/** Wall seconds of a command, and its standard output; throws with its standard error when it fails. */
function timed(cmd: string, args: string[]): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ seconds: (performance.now() - t0) / 1000, stdout }) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export async function benchVsFastText(repeats = 3): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-fasttext-'));
  const dbPath = join(dir, 'lab.db');
  try {
    const lab = new Lab(dbPath);
    await lab.call('taskSets/create', { name: 'spam', budget: 1e9, tasks: [{ name: 'spam', dataset: 'spam' }] });
    const id = store.findDatasetByName(lab.db, 'spam')!.id;
    const files = { train: join(dir, 'train.txt'), test: join(dir, 'test.txt') };
    const sizes: Record<string, number> = {};
    for (const split of ['train', 'test'] as const) {
      const rows = store.readExamples(lab.db, id, split);
      sizes[split] = rows.length;
      writeFileSync(files[split], rows.map((r) => `__label__${r.label} ${tokens(r.text, 'word').join(' ')}`).join('\n') + '\n');
    }
    lab.close();

    const fastText = spawnSync('fasttext', [], { encoding: 'utf8' });
    const haveFastText = !fastText.error;
    if (!haveFastText) console.log('\nfastText is not installed: its rows are skipped (Debian: apt-get install fasttext)');

    const results = new Map<string, { seconds: number[]; accuracy: number[] }>();
    const add = (key: string, seconds: number, accuracy: number) => {
      const r = results.get(key) ?? { seconds: [], accuracy: [] };
      r.seconds.push(seconds);
      r.accuracy.push(accuracy);
      results.set(key, r);
    };
    const load: number[] = [loadavg()[0]];
    for (let rep = 0; rep < repeats; rep++)
      for (const threads of [1, 2]) {
        if (haveFastText) {
          const model = join(dir, `ft-${threads}`);
          const trained = await timed('fasttext', ['supervised', '-input', files.train, '-output', model, '-dim', '64', '-lr', '0.5', '-epoch', '5', '-thread', String(threads)]);
          const tested = await timed('fasttext', ['test', `${model}.bin`, files.test]);
          add(`fastText|${threads}`, trained.seconds + tested.seconds, Number(/P@1\s+([\d.]+)/.exec(tested.stdout)![1]));
        }
        const run = await timed(process.execPath, [CLI, '--db', dbPath, 'run', 'spam', '--policy', 'uniform', '--epochs', '5', '--threads', String(threads), '--json']);
        const [{ metrics }] = JSON.parse(run.stdout) as { metrics: { epoch: number; task: string; metric: string; value: number }[] }[];
        add(`the lab|${threads}`, run.seconds, metrics.find((p) => p.epoch === 5 && p.task === 'spam' && p.metric === 'test.accuracy')!.value);
        load.push(loadavg()[0]);
      }

    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const med = (xs: number[]) => sorted(xs)[xs.length >> 1];
    console.log(`\n### The lab against fastText: spam (train ${sizes.train.toLocaleString('en-US')}, test ${sizes.test}), 5 epochs, ${repeats} repeats; 1-minute load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}\n`);
    console.log('| trainer | threads | wall min | wall median | test accuracy min | test accuracy median |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [key, r] of results) {
      const [name, threads] = key.split('|');
      console.log(`| ${name} | ${threads} | ${sorted(r.seconds)[0].toFixed(2)} s | ${med(r.seconds).toFixed(2)} s | ${(sorted(r.accuracy)[0] * 100).toFixed(1)} % | ${(med(r.accuracy) * 100).toFixed(1)} % |`);
    }
    const lab2 = results.get('the lab|2')!, ft2 = results.get('fastText|2');
    if (ft2) {
      const pass = med(lab2.seconds) <= med(ft2.seconds) && med(lab2.accuracy) >= med(ft2.accuracy);
      printTable('Target: the lab at 2 threads against fastText at 2 threads (medians)', [
        { case: `wall time (accuracy ${(med(lab2.accuracy) * 100).toFixed(1)} % against ${(med(ft2.accuracy) * 100).toFixed(1)} %)`, value: med(lab2.seconds), unit: 's', baseline: med(ft2.seconds), target: '≤ fastText at ≥ its accuracy', pass },
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
