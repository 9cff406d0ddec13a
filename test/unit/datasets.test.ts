import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { BUILTINS, ensureBuiltin, OOV, Vocabulary } from '../../src-main/datasets';
import { passages, emailText } from '../../src-main/datasets/builtins';
import { tokens } from '../../src-main/datasets/tokenise';
import * as store from '../../src-main/store';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

const csv = (rows: string[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';

describe('built-in data sets', () => {
  const dir = tmpDir();
  let db: store.Db;
  beforeAll(() => (db = store.openDb(join(dir, 'builtins.db'))));

  const label = (name: string) => {
    const d = ensureBuiltin(db, name);
    const byLabel = Object.fromEntries(d.stats.labels.map((l) => [l.label, l.train + l.validation + l.test]));
    return { d, byLabel, total: d.counts.train + d.counts.validation + d.counts.test };
  };

  it('spam: all 6,046 SpamAssassin emails, spam (1,896) against easy and hard ham (4,150)', () => {
    const { d, byLabel, total } = label('spam');
    expect(total).toBe(6046);
    expect(byLabel).toEqual({ ham: 4150, spam: 1896 });
    expect(d.tokenizer).toEqual({ kind: 'word', maxLength: 200 });
    expect(d.stats.trainTokens).toBeGreaterThan(100_000);
  });

  it('spam-hard: spam against the 250 hard ham only', () => {
    expect(label('spam-hard').byLabel).toEqual({ ham: 250, spam: 1896 });
  });

  it('names-gender: character level, names in both lists dropped', () => {
    const { d, byLabel } = label('names-gender');
    expect(d.tokenizer.kind).toBe('char');
    expect(Object.keys(byLabel)).toEqual(['female', 'male']);
    const rows = store.readExamples(db, d.id, 'train').concat(store.readExamples(db, d.id, 'validation'), store.readExamples(db, d.id, 'test'));
    const seen = new Map<string, string>();
    for (const r of rows) {
      const k = r.text.toLowerCase();
      expect(seen.get(k) ?? r.label).toBe(r.label); // no name carries both labels
      seen.set(k, r.label);
    }
    expect(d.notes.join(' ')).toMatch(/\d+ names in both lists/);
  });

  it('sotu-party: passages of Democratic and Republican addresses, short ones dropped', () => {
    const { d, byLabel } = label('sotu-party');
    expect(Object.keys(byLabel)).toEqual(['Democratic', 'Republican']);
    expect(byLabel.Democratic).toBeGreaterThan(3000);
    for (const r of store.readExamples(db, d.id, 'validation')) expect(r.text.split(/\s+/).length).toBeGreaterThanOrEqual(40);
  });

  it('sotu-era: the same passages by era, every address included', () => {
    const { byLabel } = label('sotu-era');
    expect(Object.keys(byLabel)).toEqual(['1790–1860', '1861–1932', '1933–1980', '1981–']);
    expect(Object.values(byLabel).every((n) => n > 500)).toBe(true);
  });

  it('loads once: asking again returns the stored data set', () => {
    const first = ensureBuiltin(db, 'spam'), again = ensureBuiltin(db, 'spam');
    expect(again.id).toBe(first.id);
    expect(store.listDatasets(db).filter((d) => d.name === 'spam')).toHaveLength(1);
  });

  it('splits are stratified 80/10/10 and the same in a fresh database', () => {
    const d = ensureBuiltin(db, 'spam');
    for (const l of d.stats.labels) {
      const n = l.train + l.validation + l.test;
      expect(Math.abs(l.train - 0.8 * n)).toBeLessThanOrEqual(1);
      expect(Math.abs(l.validation - 0.1 * n)).toBeLessThanOrEqual(1);
    }
    const other = store.openDb(join(dir, 'other.db'));
    const again = ensureBuiltin(other, 'spam');
    for (const s of ['train', 'validation', 'test'] as const) expect(store.readExamples(other, again.id, s)).toEqual(store.readExamples(db, d.id, s));
    other.close();
  });

  it('every built-in is listed with a description', () => {
    expect(Object.keys(BUILTINS)).toEqual(['spam', 'spam-hard', 'names-gender', 'sotu-party', 'sotu-era']);
  });
});

describe('text and tokens', () => {
  it('word tokens are Unicode-aware and lower-cased; char n-grams mark the ends', () => {
    expect(tokens("Ärger über Müller's café, 2024!", 'word')).toEqual(['ärger', 'über', "müller's", 'café', '2024']);
    expect(tokens('Ann', 'char')).toEqual(['^', 'a', 'n', 'n', '$', '^a', 'an', 'nn', 'n$', '^an', 'ann', 'nn$']);
  });

  it('the vocabulary pads with 0, maps unknown tokens to 1 and truncates at the maximum length', () => {
    const v = Vocabulary.fromTraining(['a b c', 'a b', 'a'], { kind: 'word', maxLength: 4 });
    expect(v.words).toEqual(['<pad>', '<oov>', 'a', 'b', 'c']);
    expect(Array.from(v.encode('b zz'))).toEqual([3, OOV, 0, 0]);
    expect(Array.from(v.encode('a a a a a a'))).toEqual([2, 2, 2, 2]);
  });

  it('emails keep the subject and body, not the headers; quoted-printable is decoded', () => {
    const raw = 'From: x@y\nSubject: Win now\nContent-Transfer-Encoding: quoted-printable\n\n<p>Cheap =3D pills</p>=\nnow';
    expect(emailText(raw)).toBe('Win now\nCheap = pills now');
  });

  it('passages cut at sentence ends', () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} has exactly seven words.`).join(' ');
    const ps = passages(text, 30, 10);
    expect(ps.length).toBeGreaterThan(5);
    for (const p of ps) expect(p).toMatch(/\.$/);
  });
});

describe('through the API and the CLI', () => {
  const dir = tmpDir();

  it('a task set naming a built-in loads it and measures a_i from its training tokens', async () => {
    const lab = new Lab(join(dir, 'lab.db'));
    const events: string[] = [];
    lab.events.on('progress', (e) => events.push(`${e.kind}:${e.phase}`));
    const set = await lab.call('taskSets/create', { name: 'mix', budget: 1000, tasks: [{ name: 'names', dataset: 'names-gender' }, { name: 'synthetic', attentionCost: 5 }] });
    const d = await lab.call('datasets/get', { id: set.tasks[0].datasetId! });
    expect(set.tasks[0]).toMatchObject({ attentionCost: d.stats.trainTokens, attentionMeasured: true, examples: d.counts.train });
    expect(set.tasks[1]).toMatchObject({ attentionCost: 5, attentionMeasured: false });
    expect(events).toContain('builtin:done');
    await expect(lab.call('taskSets/create', { name: 'x', budget: 1, tasks: [{ name: 'y' }] })).rejects.toThrow(/attentionCost is required for a task without a data set/);
    await expect(lab.call('datasets/loadBuiltin', { name: 'nope' })).rejects.toThrow(/no built-in data set 'nope' \(built-ins: spam, /);
    lab.close();
  });

  it('uploaded content imports like a file; an oversized upload is refused by name', async () => {
    const lab = new Lab(join(dir, 'lab.db'));
    const d = await lab.call('datasets/import', { filename: 'up.csv', content: csv([['text', 'label'], ...Array.from({ length: 20 }, (_, i) => [`t${i}`, i % 2 ? 'a' : 'b'])]) });
    expect(d.name).toBe('up');
    await expect(lab.call('datasets/import', { filename: 'big.csv', content: 'x'.repeat(16 * 1024 * 1024 + 1) })).rejects.toThrow(/content: the upload is larger than 16 MiB/);
    lab.close();
  });

  it('`datasets import` and `datasets show` from a terminal', async () => {
    const db = join(dir, 'cli.db');
    const f = join(dir, 'mail.csv');
    writeFileSync(f, csv([['message', 'kind'], ...Array.from({ length: 50 }, (_, i) => [`message number ${i} about ${i % 2 ? 'money' : 'lunch'}`, i % 2 ? 'spam' : 'ham'])]));
    const imported = await cli(['--db', db, 'datasets', 'import', f, '--text', 'message', '--label', 'kind', '--name', 'mail']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/data set 1 'mail'/);
    expect(imported.stdout).toMatch(/ham\s+20\s+3\s+2\s+50\.0%/);
    const shown = await cli(['--db', db, 'datasets', 'show', 'mail']);
    expect(shown.stdout).toMatch(/training tokens \(a of a task on this data set\): 200/);
    const again = await cli(['--db', db, 'datasets', 'import', f, '--text', 'message', '--label', 'kind', '--name', 'mail']);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/a data set named 'mail' already exists/) });
  });
});
