import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCallName } from '../api/contract';
import { envelope } from '../api/envelope';
import { LabError } from '../api/errors';
import type { ProgressEvent } from '../api/schemas';
import { writeChunks } from '../exports';
import type { Lab } from '../lab';
import { json, readJson, send } from './http';
import { MLFLOW_PREFIXES, mlflowCall } from './mlflow';
import { serveFile } from './static';

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

const STATUS = { invalid_input: 400, not_found: 404, conflict: 409, infeasible: 422, unsupported: 422, timeout: 504, internal: 500 } as const;

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
      return await serveFile(res, o.rendererDir, url.pathname);
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
    try {
      await writeChunks(stream.chunks, res);
      res.end();
    } catch {
      res.destroy(); // the headers are gone: a cut-off download is how a reader learns the export failed
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
