/**
 * Tracking benchmark (issue 18): what a naive script costs the lab. 10,000 log-metric calls
 * sent one at a time over HTTP, as `mlflow.log_metric` in a loop sends them (anchor: MLflow's
 * users report ~90 s for 1,000); log-batch of 1,000 metrics; importing a 100-run file store
 * of 100,000 points in a CLI process (time and its peak RSS).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../../src-main/lab';
import { serve } from '../../src-main/server';
import { printTable } from './report';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

export async function benchTracking(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-track-'));
  const lab = new Lab(join(dir, 'lab.db'));
  const served = await serve({ lab, rendererDir: dir });
  const base = '/api/2.0/mlflow';
  // a keep-alive client, as MLflow's Python client keeps one session
  const agent = new Agent({ keepAlive: true });
  const post = (path: string, body: unknown) =>
    new Promise<Record<string, any>>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const data = JSON.stringify(body);
      const req = request({ host: '127.0.0.1', port: served.port, path: `${base}/${path}`, method: 'POST', agent, headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(data);
    });
  try {
    const { run } = await post('runs/create', { experiment_id: '0', start_time: Date.now() });
    const run_id = run.info.run_id;
    for (let i = 0; i < 200; i++) await post('runs/log-metric', { run_id, key: 'warm', value: i, timestamp: Date.now(), step: i });
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) await post('runs/log-metric', { run_id, key: 'loss', value: 1 / (i + 1), timestamp: Date.now(), step: i });
    const rate = 10_000 / ((performance.now() - t0) / 1000);

    const batches: number[] = [];
    for (let b = 0; b < 200; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.random(), timestamp: Date.now(), step: b * 100 + Math.floor(i / 10) }));
      const s = performance.now();
      await post('runs/log-batch', { run_id, metrics });
      batches.push(performance.now() - s);
    }

    // a 100-run file store of 100,000 points, imported by the CLI in its own process
    const store = join(dir, 'mlruns');
    mkdirSync(join(store, '1'), { recursive: true });
    writeFileSync(join(store, '1', 'meta.yaml'), "experiment_id: '1'\nlifecycle_stage: active\nname: bench\n");
    for (let r = 0; r < 100; r++) {
      const d = join(store, '1', r.toString(16).padStart(32, '0'));
      mkdirSync(join(d, 'metrics'), { recursive: true });
      mkdirSync(join(d, 'params'));
      writeFileSync(join(d, 'meta.yaml'), `run_id: ${r.toString(16).padStart(32, '0')}\nexperiment_id: '1'\nlifecycle_stage: active\nstart_time: 1700000000000\nend_time: 1700000100000\nstatus: 3\nrun_name: r${r}\n`);
      writeFileSync(join(d, 'params', 'lr'), String(0.001 * (r + 1)));
      for (const key of ['loss', 'acc']) writeFileSync(join(d, 'metrics', key), Array.from({ length: 500 }, (_, s) => `${1700000000000 + s} ${Math.random()} ${s}`).join('\n') + '\n');
    }
    // GNU time gives the CLI's peak RSS (Debian package `time`); without it that row is left out
    const gnuTime = existsSync('/usr/bin/time');
    const bin = fileURLToPath(new URL('../../bin/attention-lab.mjs', import.meta.url));
    const args = [process.execPath, bin, '--db', join(dir, 'imported.db'), 'import', 'mlflow', store];
    const s = performance.now();
    const cli = gnuTime ? spawnSync('/usr/bin/time', ['-f', '%M', ...args], { encoding: 'utf8' }) : spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
    const importS = (performance.now() - s) / 1000;
    if (cli.status !== 0) throw new Error(`import failed: ${cli.stderr}`);
    const peakMiB = gnuTime ? Number(cli.stderr.trim().split('\n').at(-1)) / 1024 : null;

    agent.destroy();
    printTable(`MLflow-compatible tracking API (serve mode, HTTP on loopback; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`, [
      { case: '10,000 log-metric calls, one at a time', value: rate, unit: 'calls/s', target: '≥ 2,000 calls/s (MLflow: ~11/s reported)', pass: rate >= 2000 },
      { case: 'log-batch of 1,000 metrics, p50', value: pct(batches, 0.5), unit: 'ms' },
      { case: 'log-batch of 1,000 metrics, p99', value: pct(batches, 0.99), unit: 'ms', target: '< 20 ms', pass: pct(batches, 0.99) < 20 },
      { case: 'import 100 runs / 100,000 points (CLI, whole process)', value: importS, unit: 's' },
      ...(peakMiB === null ? [] : [{ case: 'import: peak RSS of the CLI process', value: peakMiB, unit: 'MiB' }]),
    ]);
  } finally {
    await served.close();
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
