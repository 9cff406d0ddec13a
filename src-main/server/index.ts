import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { isCallName } from '../api/contract';
import { CSP } from '../api/csp';
import { envelope } from '../api/envelope';
import { LabError } from '../api/errors';
import { MLFLOW_PREFIXES, mlflowCall } from './mlflow';
import type { ProgressEvent } from '../api/schemas';
import type { Lab } from '../lab';

/**
 * Serve mode: the renderer and the same API as the Electron window, over HTTP on
 * 127.0.0.1 with a per-start token (Authorization: Bearer TOKEN). Static files
 * hold no data and are served without it; every /api call needs it.
 */
export interface ServeOptions {
  lab: Lab; rendererDir: string; port?: number; token?: string;
  /** only the MLflow-compatible tracking API (the desktop app's tracking server): no app, no lab API */
  trackingOnly?: boolean;
}
export interface Served { url: string; port: number; token: string; close(): Promise<void> }

const MAX_BODY = 16 * 1024 * 1024;
const STATUS = { invalid_input: 400, not_found: 404, conflict: 409, infeasible: 422, unsupported: 422, timeout: 504, internal: 500 } as const;
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };

export async function serve(o: ServeOptions): Promise<Served> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  const matches = (candidate: string) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  // the scheme is case-insensitive (RFC 9110), the token is not
  const authorised = (req: IncomingMessage) => matches(/^bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
  let port = 0;
  /** A page on another name that resolves to 127.0.0.1 (DNS rebinding) must not reach the lab: only our own host names. */
  const ourHost = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;

  const server = createServer(async (req, res) => {
    try {
      if (!ourHost(req.headers.host)) return send(res, 421, 'text/plain', `this server answers only to 127.0.0.1:${port} and localhost:${port}`);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const mlflow = MLFLOW_PREFIXES.find((p) => url.pathname.startsWith(p));
      if (mlflow) {
        if (!authorised(req)) return json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'missing or wrong token: set MLFLOW_TRACKING_TOKEN to the token serve mode printed' });
        return await mlflowCall(o.lab, req, res, url, url.pathname.slice(mlflow.length), () => readJson(req));
      }
      if (o.trackingOnly) return json(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `this is Attention Lab's MLflow-compatible tracking server: use ${MLFLOW_PREFIXES[0]}…` });
      if (url.pathname === '/api/events') return events(req, res, url);
      if (url.pathname === '/api/export') return await exportRoute(req, res);
      if (url.pathname.startsWith('/api/')) return await api(req, res, url.pathname.slice(5));
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
      return await file(res, url.pathname);
    } catch (e) {
      if (e instanceof URIError) return send(res, 400, 'text/plain', 'malformed %-escape in the URL');
      send(res, 500, 'application/json', JSON.stringify({ ok: false, error: { code: 'internal', message: (e as Error).message } }));
    }
  });

  /**
   * Progress as server-sent events. EventSource cannot send headers, so this one route
   * takes the token as ?token= (same comparison, same per-start secret).
   */
  function events(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (!matches(url.searchParams.get('token') ?? '')) return json(res, 401, { ok: false, error: { code: 'invalid_input', message: 'missing or wrong token' } });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
    res.write(': connected\n\n');
    const on = (e: ProgressEvent) => res.write(`event: progress\ndata: ${JSON.stringify(e)}\n\n`);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    o.lab.events.on('progress', on);
    req.on('close', () => {
      clearInterval(beat);
      o.lab.events.off('progress', on);
    });
  }

  async function api(req: IncomingMessage, res: ServerResponse, name: string) {
    if (!authorised(req)) return json(res, 401, { ok: false, error: { code: 'invalid_input', message: 'missing or wrong token: open the URL printed at start-up' } });
    if (req.method !== 'POST') return json(res, 405, { ok: false, error: { code: 'invalid_input', message: 'API calls are POST with a JSON body' } });
    if (!isCallName(name)) return json(res, 404, { ok: false, error: { code: 'not_found', message: `unknown call '${name}'` } });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (e) {
      return json(res, (e as { status?: number }).status ?? 400, { ok: false, error: { code: 'invalid_input', message: (e as Error).message } });
    }
    const result = await envelope(() => o.lab.call(name, body, { remote: true }));
    json(res, result.ok ? 200 : STATUS[result.error.code], result);
  }

  /**
   * Exports stream: chunk by chunk as the store is read, waiting for the socket to drain,
   * so memory stays bounded by one run and other calls are answered between chunks.
   */
  async function exportRoute(req: IncomingMessage, res: ServerResponse) {
    if (!authorised(req)) return json(res, 401, { ok: false, error: { code: 'invalid_input', message: 'missing or wrong token: open the URL printed at start-up' } });
    let stream;
    try {
      stream = o.lab.exportStream(await readJson(req));
    } catch (e) {
      const code = e instanceof LabError ? e.code : 'invalid_input';
      return json(res, (e as { status?: number }).status ?? STATUS[code], { ok: false, error: { code, message: (e as Error).message } });
    }
    res.writeHead(200, { 'content-type': stream.mime, 'content-disposition': `attachment; filename="${stream.filename}"`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    for await (const chunk of stream.chunks) {
      if (res.destroyed) break; // the reader went away: stop reading the store
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  }

  async function file(res: ServerResponse, pathname: string) {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    const full = join(o.rendererDir, rel || 'index.html');
    if (!full.startsWith(o.rendererDir + sep) && full !== o.rendererDir) return send(res, 403, 'text/plain', 'forbidden');
    try {
      const data = await readFile(full);
      // hashed build files never change under their name: a year's cache; the page itself is revalidated
      const cache = /^assets\/.+-[\w-]{8,}\.\w+$/.test(rel.replace(/\\/g, '/')) ? 'public, max-age=31536000, immutable' : 'no-cache';
      sendStatic(res, TYPES[extname(full)] ?? 'application/octet-stream', data, cache, String(res.req.headers['accept-encoding'] ?? ''));
    } catch {
      // Unknown paths get the app (client-side routes); a missing build says how to make it.
      try {
        send(res, 200, TYPES['.html'], await readFile(join(o.rendererDir, 'index.html')));
      } catch {
        send(res, 404, 'text/plain', `renderer not built: run \`npm run build\` (looked in ${o.rendererDir})`);
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new LabError('conflict', `port ${o.port} on 127.0.0.1 is already in use by another program`)
        : e.code === 'EACCES' ? new LabError('invalid_input', `port ${o.port} needs privileges this user does not have; choose one above 1023`) : e));
    server.listen(o.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  // the served app's tracking API lives on this port for as long as it serves
  if (!o.trackingOnly) o.lab.tracking = {
    status: () => ({ running: true, port, exports: exportsFor(port, token), canStop: false, note: 'served on the same port as the app, while it serves' }),
    start: async () => o.lab.tracking!.status(),
    stop: async () => o.lab.tracking!.status(),
  };
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The two lines a script's shell needs to log to the lab. */
export const exportsFor = (port: number, token: string): string => `export MLFLOW_TRACKING_URI=http://127.0.0.1:${port}\nexport MLFLOW_TRACKING_TOKEN=${token}`;
/** Compressed bodies of static files, made once per file and encoding (the build does not change while serving). */
const packed = new Map<string, Buffer>();
const COMPRESSIBLE = /^(text\/|application\/(json|javascript))|image\/svg/;
function sendStatic(res: ServerResponse, type: string, data: Buffer, cache: string, accept: string) {
  const enc = !COMPRESSIBLE.test(type) || data.length < 1024 ? null : /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : null;
  const headers: Record<string, string> = { 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': cache, vary: 'accept-encoding' };
  let body = data;
  if (enc) {
    const key = `${enc}:${createHash('sha1').update(data).digest('hex')}`;
    body = packed.get(key) ?? (enc === 'br' ? brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } }) : gzipSync(data, { level: 9 }));
    packed.set(key, body);
    headers['content-encoding'] = enc;
  }
  res.writeHead(200, headers);
  res.end(body);
}
/** Resolves when the socket takes more (or goes away), leaving no listener behind. */
const drained = (res: ServerResponse) => new Promise<void>((resolve) => {
  const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
  res.on('drain', done);
  res.on('close', done);
});

function send(res: ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, { 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(body);
}
const json = (res: ServerResponse, status: number, v: unknown) => send(res, status, 'application/json', JSON.stringify(v));

async function readJson(req: IncomingMessage): Promise<unknown> {
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
