import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { CSP } from '../api/csp';
import { send } from './http';

/** Serve mode's static files: the built renderer, minified and split per view. */
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };

/** A file of the built renderer (compressed, cached by its hash), or the app for a client-side route. */
export async function serveFile(res: ServerResponse, rendererDir: string, pathname: string): Promise<void> {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  const full = join(rendererDir, rel || 'index.html');
  if (!full.startsWith(rendererDir + sep) && full !== rendererDir) return send(res, 403, 'text/plain', 'forbidden');
  try {
    const data = await readFile(full);
    // hashed build files never change under their name: a year's cache; the page itself is revalidated
    const cache = /^assets\/.+-[\w-]{8,}\.\w+$/.test(rel.replace(/\\/g, '/')) ? 'public, max-age=31536000, immutable' : 'no-cache';
    sendStatic(res, TYPES[extname(full)] ?? 'application/octet-stream', data, cache, String(res.req.headers['accept-encoding'] ?? ''));
  } catch {
    // Unknown paths get the app (client-side routes); a missing build says how to make it.
    try {
      send(res, 200, TYPES['.html'], await readFile(join(rendererDir, 'index.html')));
    } catch {
      send(res, 404, 'text/plain', `renderer not built: run \`npm run build\` (looked in ${rendererDir})`);
    }
  }
}

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
