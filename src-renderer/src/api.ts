import type { CallInput, CallName, CallOutput, EventName } from '@api/contract';
import { type Envelope, unwrap } from '@api/envelope';
import type { ProgressEvent } from '@api/schemas';
import { download } from './download';

/**
 * The renderer's one API client, typed from the contract. In Electron it goes
 * through the preload bridge; in serve mode over HTTP with the start-up token.
 * Events (progress of runs, imports, profiling) arrive over the bridge or as
 * server-sent events.
 */
declare global {
  interface Window {
    labBridge?: {
      call(name: string, input: unknown): Promise<Envelope<unknown>>;
      exportRuns(input: unknown): Promise<Envelope<{ path: string | null; bytes: number }>>;
      onEvent(listener: (name: string, payload: unknown) => void): () => void;
    };
  }
}

const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('lab-token') ?? '';
if (token) sessionStorage.setItem('lab-token', token); // survives reloads without the fragment

export async function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
  if (window.labBridge) return unwrap((await window.labBridge.call(name, input)) as Envelope<CallOutput<N>>);
  const res = await fetch(`/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return unwrap((await res.json()) as Envelope<CallOutput<N>>);
}

export type LabEvents = { progress: ProgressEvent };

/** Subscribes to the core's events; returns an unsubscribe function. */
export function onEvent<E extends EventName>(name: E, listener: (payload: LabEvents[E]) => void): () => void {
  if (window.labBridge) return window.labBridge.onEvent((n, payload) => n === name && listener(payload as LabEvents[E]));
  const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  const on = (e: MessageEvent) => listener(JSON.parse(e.data) as LabEvents[E]);
  source.addEventListener(name, on);
  return () => source.close();
}

export const door = window.labBridge ? 'desktop' : 'browser';

/**
 * Exports runs to a file; resolves with where it went (null: the user cancelled). The
 * desktop app's main process asks where and streams it there; in the browser the server
 * streams it and the browser downloads it. Either way memory stays bounded on the lab's
 * side and other calls are answered meanwhile.
 */
export async function exportRuns(ids: number[], format: 'csv' | 'json', shape: 'long' | 'wide'): Promise<string | null> {
  if (window.labBridge) return unwrap(await window.labBridge.exportRuns({ ids, format, shape })).path;
  const res = await fetch('/api/export', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ ids, format, shape }) });
  if (!res.ok) return unwrap((await res.json()) as Envelope<never>);
  const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `runs.${format}`;
  download(filename, await res.blob());
  return filename;
}
