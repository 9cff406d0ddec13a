import type { IncomingMessage, ServerResponse } from 'node:http';
import { CSP } from '../api/csp';

/** Serve mode's replies and request bodies. */
const MAX_BODY = 16 * 1024 * 1024;

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, { 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(body);
}
export const json = (res: ServerResponse, status: number, v: unknown) => send(res, status, 'application/json', JSON.stringify(v));

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    // over the limit: read on (to a bound) without keeping it, so the client gets our 413 rather than a reset connection
    if (size > 4 * MAX_BODY) break;
    if (size <= MAX_BODY) chunks.push(c);
  }
  if (size > MAX_BODY) throw Object.assign(new Error(`request body over ${MAX_BODY / 1024 / 1024} MiB: import a larger file from the command line`), { status: 413 });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new Error('request body is not valid UTF-8 text');
  }
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`request body is not valid JSON: ${(e as Error).message}`);
  }
}
