import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRenderer } from '../../src-main/server/renderer';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';
import { cli } from './helpers/cli';

/** Serve mode's static files: hashed ones cached for a year, the page revalidated, text compressed. */
describe('serve mode: the built renderer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-static-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  const script = `console.log(${JSON.stringify('x'.repeat(5000))});\n`;
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-AbCd1234.js"></script>');
  writeFileSync(join(rendererDir, 'assets/index-AbCd1234.js'), script);
  writeFileSync(join(rendererDir, 'assets/logo.svg'), '<svg/>');
  const lab = new Lab(join(dir, 'lab.db'));
  let served: Served;
  afterAll(async () => {
    await served?.close();
    lab.close();
  });

  it('gives hashed files a long immutable cache, the page no-cache, and compresses text for clients that take it', async () => {
    served = await serve({ lab, rendererDir });
    // node:http, not fetch: fetch undoes the compression this test looks at
    const get = (path: string, enc = '') => new Promise<{ headers: { get(h: string): string | null }; body: Buffer }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: served.port, path, headers: enc ? { 'accept-encoding': enc } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: { get: (h) => (res.headers[h] as string | undefined) ?? null }, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    const page = await get('/');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const br = await get('/assets/index-AbCd1234.js', 'gzip, deflate, br');
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('accept-encoding');
    const brBody = br.body;
    expect(brBody.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(brBody).toString()).toBe(script);
    const gz = await get('/assets/index-AbCd1234.js', 'gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(script);
    const plain = await get('/assets/index-AbCd1234.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.body.toString()).toBe(script);
    // a file without a hash in its name is revalidated; a tiny one is not worth compressing
    const svg = await get('/assets/logo.svg', 'br');
    expect(svg.headers.get('cache-control')).toBe('no-cache');
    expect(svg.headers.get('content-encoding')).toBeNull();
  });

  it('refuses to serve an app that is not built, at start, with the command to build it', async () => {
    const r = await cli(['--db', join(dir, 'cli.db'), 'serve', '--renderer', join(dir, 'nothing-here')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the app is not built \(no index\.html in .*nothing-here\): run `npm run build` in the Attention Lab folder, then serve again/);
  });
});

describe('serve mode on a fresh clone', () => {
  it('builds the app once when its default output is missing, says so, and then serves it', async () => {
    // a fresh clone: the install's sources, and no out/ yet (here, an empty folder stands for it)
    const out = join(mkdtempSync(join(tmpdir(), 'attention-lab-fresh-')), 'out');
    const said: string[] = [];
    ensureRenderer(join(out, 'renderer'), true, (line) => said.push(line), join(import.meta.dirname, '../..'));
    expect(said).toEqual(['the app is not built yet: building it once (npm run build)…']);
    expect(readFileSync(join(out, 'renderer/index.html'), 'utf8')).toMatch(/<script type="module"[^>]+src="\.?\/assets\/index-[\w-]+\.js"/);
    // served, the page loads rather than a 404
    const lab = new Lab(':memory:');
    const s = await serve({ lab, rendererDir: join(out, 'renderer') });
    try {
      const page = await fetch(`${s.url}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="app">/);
    } finally {
      await s.close();
      lab.close();
    }
    // built once: a second start says nothing and builds nothing
    ensureRenderer(join(out, 'renderer'), true, (line) => said.push(line), join(import.meta.dirname, '../..'));
    expect(said).toHaveLength(1);
  }, 180_000);
});
