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

/**
 * A short quote of user input for an error message: a 10 MB line must not come back as a
 * 10 MB message. Longer text is cut, with its length said.
 */
export function excerpt(value: unknown, max = 60): string {
  const s = String(value);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…(${s.length.toLocaleString('en-US')} characters)`;
}

/** A list of quoted names, each an excerpt, at most `most` of them. */
export function excerptList(values: readonly unknown[], most = 12): string {
  const shown = values.slice(0, most).map((v) => excerpt(v, 40));
  return values.length > most ? `${shown.join(', ')}, … (${values.length} in all)` : shown.join(', ');
}
