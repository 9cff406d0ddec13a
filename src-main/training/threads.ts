import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { bagKernels, rowOps, type BagArrays, type BagJob, type RowOps } from './bag';

/**
 * Threads for the bag step: this thread and threads−1 workers share the model and the
 * batch through SharedArrayBuffers. A step is two phases, each a barrier: forward and
 * backward over a slice of the texts each, then each part's dense rows and table rows
 * (bag.ts). Commands go through a generation counter the workers Atomics.wait on; the
 * arrays go through a message port read synchronously on a 'bind' command.
 *
 * The worker runs bag.ts's kernel factory from its source text, so the same code runs
 * under tsx, the tests and a bundle alike (no worker file to locate).
 */
const OP = { close: 0, bind: 1, forward: 2, update: 3 } as const;
const JOB: (keyof BagJob)[] = ['B', 'L', 'C', 'hw', 'hb', 'train', 'weight', 'lr', 'encStep', 'encRoot', 'headStep', 'headRoot'];
// ctl: [generation, op, finished, failed]; the job's numbers in a Float64Array beside it
const GEN = 0, OPC = 1, DONE = 2, FAIL = 3;

function workerMain(ctl: Int32Array, job: Float64Array, port: MessagePort, part: number, parts: number, kernels: ReturnType<typeof bagKernels>, receive: (p: MessagePort) => { message: BagArrays } | undefined, keys: string[]): void {
  let s: BagArrays | undefined, gen = 0;
  for (;;) {
    Atomics.wait(ctl, 0, gen);
    gen = Atomics.load(ctl, 0);
    const op = Atomics.load(ctl, 1);
    if (op === 0) return;
    try {
      if (op === 1) s = receive(port)!.message;
      else {
        const j = Object.fromEntries(keys.map((k, i) => [k, job[i]])) as unknown as BagJob;
        j.train = !!j.train;
        if (op === 2) {
          const per = Math.ceil(j.B / parts);
          kernels.forward(s!, j, Math.min(j.B, part * per), Math.min(j.B, (part + 1) * per));
        } else kernels.update(s!, j, part, parts);
      }
    } catch (e) {
      Atomics.store(ctl, 3, 1);
      console.error(e);
    }
    Atomics.add(ctl, 2, 1);
    Atomics.notify(ctl, 2);
  }
}

export class BagThreads {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(16));
  private readonly jobBuf = new Float64Array(new SharedArrayBuffer(JOB.length * 8));
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly kernels: ReturnType<typeof bagKernels>;
  private s: BagArrays | null = null;

  /** `ops`: this thread's row loops; `shared`: the arena's memory and compiled loops, for the workers' (null: the JS loops). */
  constructor(readonly threads: number, V: number, D: number, H: number, ops: RowOps, shared: { memory: WebAssembly.Memory | null; module: WebAssembly.Module | null }) {
    this.kernels = bagKernels(V, D, H, ops);
    const source = [
      "const { workerData: d, receiveMessageOnPort } = require('node:worker_threads');",
      'const __name = (f) => f;', // esbuild's keepNames helper, which the source text may call
      `const bagKernels = ${bagKernels.toString()};`,
      `const rowOps = ${rowOps.toString()};`,
      'const ops = rowOps(d.module ? new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports : null);',
      `(${workerMain.toString()})(d.ctl, d.job, d.port, d.part, d.parts, bagKernels(d.V, d.D, d.H, ops), receiveMessageOnPort, d.keys);`,
    ].join('\n');
    for (let part = 1; part < threads; part++) {
      const { port1, port2 } = new MessageChannel();
      const w = new Worker(source, { eval: true, workerData: { ctl: this.ctl, job: this.jobBuf, port: port2, part, parts: threads, V, D, H, keys: JOB, ...shared }, transferList: [port2] });
      w.unref();
      this.workers.push(w);
      this.ports.push(port1);
    }
  }

  /** Hands the workers the arrays (again after they grew). */
  bind(s: BagArrays): void {
    this.s = s;
    for (const p of this.ports) p.postMessage(s);
    this.run(OP.bind);
  }

  /** Forward (and, when training, backward) over the batch, the texts split across the threads. */
  forward(j: BagJob): void {
    JOB.forEach((k, i) => (this.jobBuf[i] = Number(j[k])));
    this.run(OP.forward, () => {
      const per = Math.ceil(j.B / this.threads);
      this.kernels.forward(this.s!, j, 0, Math.min(j.B, per));
    });
  }

  /** A whole training step: forward and backward, then every part's updates. */
  step(j: BagJob): void {
    this.forward(j);
    this.run(OP.update, () => this.kernels.update(this.s!, j, 0, this.threads));
  }

  /** Starts `op` on every worker, does this thread's part, and waits for theirs. */
  private run(op: number, own?: () => void): void {
    const c = this.ctl, n = this.workers.length;
    Atomics.store(c, DONE, 0);
    Atomics.store(c, OPC, op);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    own?.();
    for (let v = Atomics.load(c, DONE); v < n; v = Atomics.load(c, DONE)) Atomics.wait(c, DONE, v);
    if (Atomics.load(c, FAIL)) throw new Error('a training thread failed (its error is on standard error)');
  }

  close(): void {
    if (!this.workers.length) return;
    Atomics.store(this.ctl, OPC, OP.close);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
