import { rowOps, type BagWasm, type RowOps } from './bag';
import { BAG_WASM } from './wasm/bagWasm';

/**
 * Where a JS-path model's arrays live. With WebAssembly: one shared WebAssembly.Memory,
 * each array a view at a 16-byte aligned offset, so the SIMD row loops reach every array
 * and threads share them all (a shared memory grows without detaching the views it
 * already gave out). Models past what a 32-bit memory holds fall back to separate
 * SharedArrayBuffers and the JS row loops.
 */
type Typed = Float32Array | Float64Array | Int32Array | Uint32Array;
type TypedCtor<T extends Typed> = { new (b: ArrayBufferLike, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

const PAGE = 65536, MAX_BYTES = 2 ** 31; // stay well inside wasm32's 4 GiB
let compiled: WebAssembly.Module | null = null;

export class Arena {
  readonly memory: WebAssembly.Memory | null;
  readonly ops: RowOps;
  private top = 0;

  /** `bytes`: about what the model will hold, to choose the memory (and reserve it in one go). */
  constructor(bytes: number) {
    if (bytes < MAX_BYTES && typeof WebAssembly === 'object') {
      compiled ??= new WebAssembly.Module(Buffer.from(BAG_WASM, 'base64'));
      this.memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) + 1, maximum: MAX_BYTES / PAGE * 2, shared: true });
      this.ops = rowOps(new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as BagWasm);
    } else {
      this.memory = null;
      this.ops = rowOps(null);
    }
  }

  /** What a worker needs to reach the same arrays with the same row loops. */
  get share(): { memory: WebAssembly.Memory | null; module: WebAssembly.Module | null } {
    return { memory: this.memory, module: this.memory ? compiled : null };
  }

  alloc<T extends Typed>(Type: TypedCtor<T>, n: number): T {
    const bytes = n * Type.BYTES_PER_ELEMENT;
    if (!this.memory) return new Type(new SharedArrayBuffer(bytes));
    const at = Math.ceil(this.top / 16) * 16, end = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return new Type(this.memory.buffer, at, n);
  }
}
