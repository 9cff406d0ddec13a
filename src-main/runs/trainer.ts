import { readFileSync } from 'node:fs';
import { loadTrainingDataCached } from '../training/dataCache';
import { initBackend } from '../training/backend';
import { PATH_NAMES, trainPath } from '../training/paths';
import { train } from '../training/train';
import { openDb } from '../store';
import { profileTasks } from '../training/profile';
import type { ProfileJob, TrainerJob, TrainerMessage } from './protocol';

/**
 * The trainer process: trains one run, reporting to its parent over IPC, then exits.
 * The parent kills it to cancel; nothing here needs to clean up, since a checkpoint is
 * renamed into place whole and every stored metric was stored by the parent.
 */
/**
 * This process's peak RSS. Linux keeps getrusage's maxrss across exec, so a trainer forked
 * from a big parent would report the parent's peak; VmHWM belongs to this process image.
 */
function peakRssMiB(): number {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) / 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS / 1024;
}

process.on('SIGINT', () => {}); // Ctrl+C in a terminal reaches the whole group: the parent decides what stops
// A parent that dies without killing us (the CLI interrupted, the app crashed): nobody stores what we report, so stop.
let finished = false;
const parentPid = process.ppid;
process.on('disconnect', () => process.exit(finished ? 0 : 1));
const send = (m: TrainerMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

// the backend loads while the job is on its way (a trainer may be forked ahead of its job)
const backendReady = initBackend();
backendReady.catch(() => {}); // reported when the job awaits it

process.once('message', async (job: TrainerJob | ProfileJob) => {
  try {
    const backend = await backendReady;
    // the run records the path its steps take on this backend (see training/paths.ts)
    const path = trainPath(job.config.model);
    await send({ type: 'started', backend: { ...backend, name: `${backend.name}; ${PATH_NAMES[path]}`, trainPath: path } });
    const db = openDb(job.dbPath, { readonly: true });
    const data = loadTrainingDataCached(db, job.tasks, job.config.vocabSize, `${job.dbPath}-cache`); // beside it, as its -checkpoints
    db.close();
    const loadedMiB = process.memoryUsage.rss() / 2 ** 20;
    if (job.kind === 'profile') {
      const r = profileTasks(data, job.config, (done, total) => void send({ type: 'profiling', done, total }));
      await send({ type: 'profiled', ...r });
      finished = true;
      return process.disconnect();
    }
    const result = await train(data, job.tasks, job.config, { checkpointDir: job.checkpointDir, resume: job.resume, initFrom: job.initFrom }, {
      progress: (progress) => void send({ type: 'progress', progress }),
      epoch: (report) => void send({ type: 'epoch', report }),
      // the parent is gone: nothing we write would be stored. getppid() knows at once; 'connected' only once the event loop runs
      stop: () => !process.connected || process.ppid !== parentPid,
    });
    await send({ type: 'done', result, memory: { loadedMiB, peakMiB: peakRssMiB() } });
  } catch (e) {
    await send({ type: 'failed', error: (e as Error).message });
  }
  finished = true;
  process.disconnect();
});
