import { LabError, type LabErrorCode } from './errors';

/**
 * What crosses a process boundary (IPC, HTTP): errors as data, because Electron's
 * invoke and fetch both lose an Error's fields. Clients turn `ok: false` back into a LabError.
 */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: LabErrorCode; message: string } };

export async function envelope<T>(fn: () => Promise<T>): Promise<Envelope<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof LabError) return { ok: false, error: { code: e.code, message: e.message } };
    return { ok: false, error: { code: 'internal', message: (e as Error)?.message ?? String(e) } };
  }
}

export function unwrap<T>(e: Envelope<T>): T {
  if (e.ok) return e.value;
  throw new LabError(e.error.code, e.error.message);
}
