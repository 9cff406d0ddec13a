import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';
import * as store from '../../src-main/store';
import { cli } from '../unit/helpers/cli';
import { toyCsv } from '../unit/helpers/toy';

/**
 * Hostile and odd input through the serve door (HTTP, as the browser app and any script
 * send it) and the CLI: each must get a clear error — a status the client can act on, a
 * short message, no stack trace, no echo of a long input — and leave everything stored as
 * it was. The tally is printed for docs/reliability.md.
 */
const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bad-'));
let lab: Lab, served: Served;
let setId: number, runId: number;
beforeAll(async () => {
  lab = new Lab(join(dir, 'lab.db'));
  await lab.call('datasets/import', { filename: 'toy.csv', content: toyCsv(400) });
  setId = (await lab.call('taskSets/create', { name: 'toy', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] })).id;
  const [run] = await lab.call('runs/start', { taskSetId: setId, epochs: 1 });
  runId = (await lab.runs.wait(run.id)).id;
  served = await serve({ lab, rendererDir: join(dir, 'renderer') });
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>app</title>');
}, 60_000);
afterAll(async () => {
  await served?.close();
  lab?.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`\nbad input: ${tried} tried, ${clean} handled cleanly\n`);
});
let tried = 0, clean = 0;

const counts = () => JSON.stringify(store.dbInfo(lab.db).counts);
function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: served.port, path, method: init.method ?? 'POST', headers: { host: `127.0.0.1:${served.port}`, ...init.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
const call = (name: string, body: unknown) =>
  raw(`/api/${name}`, { headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** A clean refusal: the status expected, a message of words (no stack, no long echo), nothing stored changed. */
async function refused(what: string, send: () => Promise<{ status: number; body: string }>, status: number, words: RegExp) {
  tried++;
  const before = counts();
  const r = await send();
  expect(r.status, `${what}: ${r.body.slice(0, 300)}`).toBe(status);
  expect(r.body, what).toMatch(words);
  expect(r.body.length, what).toBeLessThan(1200);
  expect(r.body, what).not.toMatch(/\n\s+at |node:internal|\.ts:\d+/);
  expect(counts(), what).toBe(before);
  clean++;
}

describe('the serve door refuses bad input in words', () => {
  const imports: [string, unknown, RegExp][] = [
    ['an empty file', { filename: 'e.csv', content: '' }, /is empty/],
    ['a header without rows', { filename: 'h.csv', content: 'text,label\n' }, /header but no rows/],
    ['one class only', { filename: 'one.csv', content: `text,label\n${Array.from({ length: 30 }, (_, i) => `row ${i},same`).join('\n')}\n` }, /at least two labels/],
    ['four rows', { filename: 'four.csv', content: 'text,label\na b,x\nc d,y\ne f,x\ng h,y\n' }, /too few rows/],
    ['binary garbage', { filename: 'g.csv', content: '\u0000\u0001\u0002PK\u0003\u0004' }, /column|line|rows/],
    ['an unterminated quote', { filename: 'q.csv', content: 'text,label\n"open,x\n' }, /line 2/],
    ['a JSONL line that is not JSON', { filename: 'j.jsonl', content: '{"text":"a","label":"x"}\n{oops\n' }, /line 2: not valid JSON/],
    ['a JSONL array line', { filename: 'a.jsonl', content: '[1,2]\n' }, /one JSON object/],
    ['an unknown extension', { filename: 'data.xlsx', content: 'text,label\na,b\n' }, /cannot tell the format/],
    ['a 10 MB header', { filename: 'wide.csv', content: 'x'.repeat(10_000_000) }, /characters\)/],
    ['a path on the server', { path: '/etc/passwd' }, /only files you upload/],
    ['a hostile path', { path: '../../../../etc/shadow' }, /only files you upload/],
    ['both path and content', { path: '/tmp/x.csv', filename: 'x.csv', content: 'a' }, /either path or content/],
    ['content without a filename', { content: 'text,label\n' }, /filename is needed/],
    ['a name taken', { filename: 'toy.csv', content: toyCsv(40) }, /already exists/],
    ['an unknown text column', { filename: 'c.csv', content: toyCsv(40), text: 'review' }, /no column 'review'/],
  ];
  for (const [what, body, words] of imports) it(`import: ${what}`, () => refused(what, () => call('datasets/import', body), what === 'a name taken' ? 409 : 400, words));

  const sets: [string, unknown, RegExp][] = [
    ['a NaN cost (null in JSON)', { name: 'n', budget: 10, tasks: [{ name: 'a', attentionCost: null }] }, /attentionCost/],
    ['an infinite cost (1e999)', '{"name":"n","budget":10,"tasks":[{"name":"a","attentionCost":1e999}]}', /attentionCost/],
    ['a negative cost', { name: 'n', budget: 10, tasks: [{ name: 'a', attentionCost: -1 }] }, /attentionCost/],
    ['a zero budget', { name: 'n', budget: 0, tasks: [{ name: 'a', attentionCost: 1 }] }, /budget/],
    ['no tasks', { name: 'n', budget: 10, tasks: [] }, /tasks/],
    ['duplicate task names', { name: 'n', budget: 10, tasks: [{ name: 'a', attentionCost: 1 }, { name: 'a', attentionCost: 2 }] }, /duplicate task name/],
    ['a floor above its cap', { name: 'n', budget: 10, tasks: [{ name: 'a', attentionCost: 1, floor: 0.9, cap: 0.1 }] }, /floor must not exceed cap/],
    ['an unknown data set', { name: 'n', budget: 10, tasks: [{ name: 'a', dataset: 'nope' }] }, /nope/],
    ['a 100,000-character name', { name: 'x'.repeat(100_000), budget: 10, tasks: [{ name: 'a', attentionCost: 1 }] }, /name/],
    ['an unknown field', { name: 'n', budget: 10, tasks: [{ name: 'a', attentionCost: 1 }], evil: true }, /evil/],
  ];
  for (const [what, body, words] of sets) it(`task set: ${what}`, () => refused(what, () => call('taskSets/create', body), what === 'an unknown data set' ? 404 : 400, words));

  it('solve: floors over the budget are stored as an infeasible solve that names the rows at fault and the least budget', async () => {
    tried++;
    const s = await lab.call('taskSets/create', { name: 'tight', budget: 10, tasks: [{ name: 'a', attentionCost: 100, floor: 0.5 }, { name: 'b', attentionCost: 100, floor: 0.5 }] });
    const r = await call('solve/run', { taskSetId: s.id, policy: 'lp' });
    const solve = JSON.parse(r.body).value;
    expect(solve.status).toBe('infeasible');
    expect(solve.explanation).toMatch(/floor/);
    expect(solve.explanation).toMatch(/100/); // the least budget that would do
    clean++;
  });
  const others: [string, string, unknown, number, RegExp][] = [
    ['an unknown task set', 'solve/run', { taskSetId: 99999, policy: 'lp' }, 404, /does not exist|no task set/],
    ['an unknown policy', 'solve/run', { taskSetId: 1, policy: 'magic' }, 400, /policy/],
    ['a negative temperature', 'solve/run', { taskSetId: 1, policy: 'temperature', temperature: -1 }, 400, /temperature/],
    ['an id that is a string', 'runs/get', { id: 'abc' }, 400, /id/],
    ['an unknown run', 'runs/get', { id: 99999 }, 404, /does not exist/],
    ['resuming a completed run', 'runs/resume', { id: -1 }, 400, /id/],
    ['cancelling a completed run', 'runs/cancel', { id: 0 }, 400, /id/],
  ];
  for (const [what, name, body, status, words] of others) it(`${name}: ${what}`, () => refused(what, () => call(name, body), status, words));
  it('runs: resume and cancel of a completed run are conflicts', async () => {
    await refused('resume completed', () => call('runs/resume', { id: runId }), 409, /only an interrupted, failed or cancelled run/);
    await refused('cancel completed', () => call('runs/cancel', { id: runId }), 409, /nothing to cancel/);
  });

  it('HTTP: token, method, body, size, names, escapes, hosts and paths', async () => {
    await refused('no token', () => raw('/api/db/info'), 401, /token/);
    await refused('a wrong token', () => raw('/api/db/info', { headers: { authorization: 'Bearer nope' } }), 401, /token/);
    await refused('GET on a call', () => raw('/api/db/info', { method: 'GET', headers: { authorization: `Bearer ${served.token}` } }), 405, /POST/);
    await refused('malformed JSON', () => call('db/info', '{"a":'), 400, /not valid JSON/);
    await refused('an unknown call', () => call('nope/never', {}), 404, /unknown call/);
    await refused('a body over 16 MiB', () => call('datasets/import', { filename: 'x.csv', content: 'a'.repeat(17 * 1024 * 1024) }), 413, /16 MiB/);
    await refused('non-UTF-8 body', () => call('datasets/import', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')), 400, /./);
    await refused('a malformed %-escape', () => raw('/%E0%A4%A', { method: 'GET' }), 400, /malformed/);
    await refused('a foreign Host', () => raw('/api/db/info', { headers: { host: `attacker.example:${served.port}`, authorization: `Bearer ${served.token}` } }), 421, /answers only/);
    for (const path of ['/..%2f..%2f..%2fetc%2fpasswd', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      tried++;
      const r = await raw(path, { method: 'GET' });
      expect(r.body, path).not.toMatch(/root:/); // the app's page (an unknown route), never the file
      clean++;
    }
  });
});

describe('the CLI refuses bad input in its words', () => {
  const cases: [string, string[], RegExp][] = [
    ['an id that is not a number', ['runs', 'show', 'abc'], /'abc' is not an id/],
    ['an unknown run', ['runs', 'show', '99999'], /does not exist/],
    ['a missing file', ['datasets', 'import', '/nonexistent/file.csv'], /cannot be read/],
    ['a task-set file that is not JSON', ['task-set', 'create', '/etc/hostname'], /not valid JSON|cannot read/],
    ['an unknown command', ['frobnicate'], /unknown command/],
    ['a budget that is not a number', ['solve', '1', '--budget', 'lots'], /'lots' is not a number/],
  ];
  for (const [what, args, words] of cases)
    it(what, async () => {
      tried++;
      const r = await cli(['--db', join(dir, 'lab.db'), ...args]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.code, r.stderr).not.toBe(70); // 70: the lab's own fault
      expect(r.stderr).toMatch(words);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      clean++;
    }, 30_000);
});
