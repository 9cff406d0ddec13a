import type { CallInput, CallName, CallOutput } from '@api/contract';
import { type Envelope, unwrap } from '@api/envelope';

/**
 * The renderer's one API client, typed from the contract. In Electron it goes
 * through the preload bridge; in serve mode over HTTP with the start-up token.
 */
declare global {
  interface Window { labBridge?: { call(name: string, input: unknown): Promise<Envelope<unknown>> } }
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

export const door = window.labBridge ? 'desktop' : 'browser';
