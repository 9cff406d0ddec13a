import type { ZodError } from 'zod';

/** Why a call failed, in words a user can act on. `code` lets doors map it (HTTP status, exit code). */
export type LabErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'infeasible' | 'unsupported' | 'timeout' | 'internal';

export class LabError extends Error {
  constructor(
    readonly code: LabErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** `tasks[2].attentionCost` style path, so a message names the field at fault. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(input)';
}

export function fromZod(error: ZodError, what = 'input'): LabError {
  const lines = error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
  return new LabError('invalid_input', `invalid ${what}: ${lines.join('; ')}`, error.issues);
}
