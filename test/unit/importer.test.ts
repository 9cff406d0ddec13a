import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDataset, trainingVocabulary, OOV } from '../../src-main/datasets';
import { formatOf, readRows } from '../../src-main/datasets/importer';
import { hash32, rng, stratifiedSplit } from '../../src-main/datasets/split';
import * as store from '../../src-main/store';
import { tmpDir } from './helpers/tmp';

/** Imports and splits: the datasets module's mutation tests (test/mutation/modules.mjs). */
const csv = (rows: string[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';

describe('splits', () => {
  it('stratifiedSplit is disjoint, complete, stratified and seeded', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 'rare' : 'common'));
    const a = stratifiedSplit(labels, 7), b = stratifiedSplit(labels, 7), c = stratifiedSplit(labels, 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const count = (l: string, s: string) => labels.filter((x, i) => x === l && a[i] === s).length;
    expect([count('rare', 'train'), count('rare', 'validation'), count('rare', 'test')]).toEqual([80, 10, 10]);
    expect([count('common', 'train'), count('common', 'validation'), count('common', 'test')]).toEqual([720, 90, 90]);
  });

  it('shuffles within each label: a file sorted by date does not send its last rows to test', () => {
    const labels = Array.from({ length: 400 }, (_, i) => (i % 2 ? 'a' : 'b'));
    const s = stratifiedSplit(labels, 3);
    const heldOut = s.map((v, i) => (v === 'train' ? -1 : i)).filter((i) => i >= 0);
    expect(heldOut).toHaveLength(80);
    // held-out rows come from the whole file, not from its end (or start)
    expect(heldOut.filter((i) => i < 200).length).toBeGreaterThan(20);
    expect(heldOut.filter((i) => i >= 200).length).toBeGreaterThan(20);
    // and the two labels are shuffled differently (each label has its own stream)
    const ofLabel = (l: string) => s.filter((_, i) => labels[i] === l);
    expect(ofLabel('a')).not.toEqual(ofLabel('b'));
  });

  it('rounds each share to the nearest example, and takes fractions that do not sum to 1 as proportions', () => {
    const labels = new Array<string>(15).fill('x');
    const tally = (s: string[]) => ['train', 'validation', 'test'].map((k) => s.filter((v) => v === k).length);
    expect(tally(stratifiedSplit(labels, 1))).toEqual([12, 2, 1]); // 12, 1.5 → 2, the rest
    expect(tally(stratifiedSplit(labels, 1, { train: 6, validation: 3, test: 1 }))).toEqual([9, 5, 1]); // 9, 4.5 → 5
    expect(tally(stratifiedSplit(new Array<string>(7).fill('x'), 1, { train: 0.5, validation: 0.5, test: 0 }))).toEqual([4, 3, 0]); // 3.5 → 4, 3.5 → 4 but only 3 left
  });

  it('a seed gives the same split in every version of the lab (stored experiments stay comparable)', () => {
    // FNV-1a's published values, and the mulberry32 stream the lab's splits and shuffles draw from.
    expect([hash32(''), hash32('a'), hash32('foobar')]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    const r = rng(42);
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const s = stratifiedSplit(Array.from({ length: 20 }, (_, i) => (i < 10 ? 'x' : 'y')), 1);
    expect(s.map((v, i) => (v === 'train' ? '' : `${i}:${v}`)).filter(Boolean)).toEqual(['6:test', '9:validation', '11:validation', '17:test']);
  });

  it('the stream is uniform on [0, 1)', () => {
    const r = rng(7), n = 20_000, bins = new Array<number>(10).fill(0);
    let lo = 1, hi = 0;
    for (let i = 0; i < n; i++) {
      const v = r();
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      bins[Math.floor(v * 10)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(200); // ~4.7σ
  });
});

describe('imports', () => {
  const dir = tmpDir();
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const rows = (n: number, labels = ['pos', 'neg']) => Array.from({ length: n }, (_, i) => [`"review ${i} was ${labels[i % labels.length]}, truly"`, labels[i % labels.length]]);

  it('CSV, TSV and JSONL with guessed columns; progress reported', async () => {
    const db = store.openDb(join(dir, 'lab.db'));
    const seen: string[] = [];
    const a = await importDataset(db, file('reviews.csv', csv([['id', 'text', 'label'], ...rows(100).map((r, i) => [String(i), ...r])])), {}, (p) => seen.push(p.phase));
    expect(a.name).toBe('reviews');
    expect(a.counts).toEqual({ train: 80, validation: 10, test: 10 });
    expect([...a.labels].sort()).toEqual(['neg', 'pos']);
    expect(seen).toContain('reading');
    expect(seen.at(-1)).toBe('done');
    const b = await importDataset(db, file('reviews.tsv', ['body\tclass', ...rows(20).map((r) => `${r[0].replace(/"/g, '')}\t${r[1]}`)].join('\n')), { name: 'tsv' });
    expect(b.counts.train + b.counts.validation + b.counts.test).toBe(20);
    const c = await importDataset(db, file('reviews.jsonl', rows(30).map((r) => JSON.stringify({ content: r[0], category: r[1] })).join('\n')), { name: 'jsonl' });
    expect(c.labels).toHaveLength(2);
    expect(store.readExamples(db, a.id, 'train')[0].text).toMatch(/^review \d+ was (pos|neg), truly$/); // quoted commas kept
    db.close();
  });

  it('reads every row as written: texts, labels in first-seen order, a label per row', async () => {
    const content = csv([['text', 'label'], ['"one, with a comma"', ' pos '], ['two', 'neg'], ['three', 'pos'], ['"four\nover two lines"', 'other']]);
    const r = await readRows(file('rows.csv', content));
    expect(r.texts).toEqual(['one, with a comma', 'two', 'three', 'four\nover two lines']);
    expect(r.labels).toEqual(['pos', 'neg', 'other']); // ' pos ' is 'pos'
    expect(Array.from(r.labelOf)).toEqual([0, 1, 0, 2]);
    expect(r.splits).toBeNull();
    expect(r.columns).toEqual({ text: 'text', label: 'label', split: null });
    expect(r.bytes).toBe(Buffer.byteLength(content));
  });

  it('guesses columns by their names in order of preference, whatever their case, spacing or place', async () => {
    const r = await readRows(file('guess.csv', csv([['Name', ' Category ', 'ID', ' TEXT', 'Label'], ['n', 'c1', '1', 'the text', 'l1'], ['m', 'c2', '2', 'more text', 'l2']])));
    expect(r.columns).toEqual({ text: 'TEXT', label: 'Label', split: null }); // text before name, label before category
    expect(r.texts).toEqual(['the text', 'more text']);
    const j = await readRows(file('guess.jsonl', '{"review":"good","sentiment":"+"}\n{"review":"bad","sentiment":"-"}\n'));
    expect(j.columns).toEqual({ text: 'review', label: 'sentiment', split: null });
  });

  it('knows every column name it guesses', async () => {
    const text = ['text', 'content', 'body', 'message', 'sentence', 'review', 'document', 'name', 'comment'];
    const label = ['label', 'class', 'category', 'target', 'y', 'sentiment', 'party', 'gender', 'tag'];
    for (let i = 0; i < text.length; i++) {
      const r = await readRows(file(`g${i}.csv`, csv([['other', text[i], label[i]], ['o', 'a', 'x'], ['o', 'b', 'y']])));
      expect(r.columns).toEqual({ text: text[i], label: label[i], split: null });
    }
    await expect(readRows(file('nt.csv', csv([['words', 'label'], ['a', 'x'], ['b', 'y']])))).rejects.toThrow(/^text column: none is obviously the text; name it with --text \(columns: words, label\)$/);
  });

  it('JSONL keys are guessed whatever their spacing; the first record fixes the columns', async () => {
    const r = await readRows(file('sp.jsonl', '{" Text ":"a","label":"x"}\n{" Text ":"b","label":"y"}\n'));
    expect(r.texts).toEqual(['a', 'b']);
    // a later record without the text is refused, not read from another column
    await expect(readRows(file('later.jsonl', '{"text":"a","label":"x"}\n{"body":"b","label":"y"}\n'))).rejects.toThrow(/^line 2: empty text in column 'text'$/);
    await expect(readRows(file('nolab.jsonl', '{"text":"a","label":"x"}\n{"text":"b"}\n'))).rejects.toThrow(/^line 2: no label in column 'label'$/);
    await expect(readRows(file('nosp.jsonl', '{"text":"a","label":"x","part":"train"}\n{"text":"b","label":"y"}\n'), { splitColumn: 'part' })).rejects.toThrow(/^line 2: split '' in column 'part' is none of train, validation, test$/);
  });

  it('CSV: a split column may come first', async () => {
    const r = await readRows(file('first.csv', csv([['part', 'text', 'label'], ['test', 'a', 'x'], ['train', 'b', 'y']])), { splitColumn: 'part' });
    expect(r.splits).toEqual(['test', 'train']);
  });

  it('a character across the first megabyte boundary is read whole', async () => {
    const head = 'text,label\n';
    const filler = 'a'.repeat(1024 * 1024 - head.length - 1); // 'é' (2 bytes) starts at the last byte of the first 1 MiB read
    const r = await readRows(file('straddle.csv', `${head}${filler}é,x\nb,y\n`));
    expect(r.texts[0].endsWith('aé')).toBe(true);
    expect(r.labels).toEqual(['x', 'y']);
  });

  it('a named column wins over a guess', async () => {
    const r = await readRows(file('named.csv', csv([['text', 'label', 'note', 'kind'], ['a', 'x', 'n1', 'k1'], ['b', 'y', 'n2', 'k2']])), { textColumn: 'note', labelColumn: 'kind' });
    expect(r.texts).toEqual(['n1', 'n2']);
    expect(r.labels).toEqual(['k1', 'k2']);
  });

  it('knows the format by extension in any case, or as told', async () => {
    expect(['a.csv', 'a.TSV', 'a.tab', 'a.jsonl', 'a.NDJSON'].map((p) => formatOf(p))).toEqual(['csv', 'tsv', 'tsv', 'jsonl', 'jsonl']);
    expect(formatOf('data.txt', 'tsv')).toBe('tsv');
    const r = await readRows(file('tabs.txt', 'text\tlabel\na, b and c\tx\nd\ty\n'), { format: 'tsv' });
    expect(r.texts).toEqual(['a, b and c', 'd']);
  });

  it('a UTF-8 byte-order mark is not part of the first column name (nor of the first JSON line)', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const r = await readRows(file('bom.csv', Buffer.concat([bom, Buffer.from('text,label\nbonjour,fr\nhello,en\n')])));
    expect(r.columns.text).toBe('text');
    const j = await readRows(file('bom.jsonl', Buffer.concat([bom, Buffer.from('{"text":"bonjour","label":"fr"}\n{"text":"hello","label":"en"}\n')])));
    expect(j.texts).toEqual(['bonjour', 'hello']);
  });

  it('JSONL: blank lines skipped, the split column read, lines counted from 1 in errors', async () => {
    const r = await readRows(file('s.jsonl', '{"text":"a","label":"x","part":" Train "}\n\n   \n{"text":"b","label":"y","part":"VAL"}\n{"text":"c","label":"x","part":"testing"}\n'), { splitColumn: 'part' });
    expect(r.texts).toEqual(['a', 'b', 'c']);
    expect(r.splits).toEqual(['train', 'validation', 'test']);
    expect(r.columns.split).toBe('part');
    for (const bad of ['[1, 2]', '3', 'null', '"text"'])
      await expect(readRows(file('b.jsonl', `{"text":"a","label":"x"}\n\n${bad}\n`))).rejects.toThrow(/^line 3: each line must be one JSON object$/);
  });

  it('CSV: every split name the lab knows, in any case', async () => {
    const names = ['train', 'training', 'validation', 'valid', 'val', 'dev', 'test', 'testing', 'TRAIN', ' Dev '];
    const r = await readRows(file('splits.csv', csv([['text', 'label', 's'], ...names.map((s, i) => [`t${i}`, i % 2 ? 'a' : 'b', s])])), { splitColumn: 's' });
    expect(r.splits).toEqual(['train', 'train', 'validation', 'validation', 'validation', 'validation', 'test', 'test', 'train', 'validation']);
  });

  it('reports progress every 50,000 rows and once at the end with every byte read', async () => {
    const body = Array.from({ length: 60_000 }, (_, i) => `t${i},${i % 2}`).join('\n');
    const path = file('big.csv', `text,label\n${body}\n`);
    const seen: { rows: number; bytes: number; totalBytes: number }[] = [];
    const r = await readRows(path, { onProgress: (p) => seen.push(p) });
    expect(r.texts).toHaveLength(60_000);
    expect(seen.map((p) => p.rows)).toEqual([50_000, 60_000]);
    expect(seen.at(-1)).toEqual({ rows: 60_000, bytes: r.bytes, totalBytes: r.bytes });
    for (const p of seen) expect(p.totalBytes).toBe(r.bytes);
    expect(seen[0].bytes).toBeGreaterThan(0);
  });

  it('up to 100 labels by default; up to maxRows rows', async () => {
    const labelled = (n: number) => csv([['text', 'label'], ...Array.from({ length: n }, (_, i) => [`t${i}`, `l${i}`])]);
    expect((await readRows(file('l100.csv', labelled(100)))).labels).toHaveLength(100);
    await expect(readRows(file('l101.csv', labelled(101)))).rejects.toThrow(/^line 102: more than 100 distinct labels/);
    const ten = csv([['text', 'label'], ...rows(10).map(([t, l]) => [t, l])]);
    expect((await readRows(file('ten.csv', ten), { maxRows: 10 })).texts).toHaveLength(10);
    await expect(readRows(file('ten.csv', ten), { maxRows: 9 })).rejects.toThrow(/^line 11: more than 9 rows \(the limit\)$/);
  });

  it('a split column is honoured, and the vocabulary never sees validation or test text', async () => {
    const db = store.openDb(join(dir, 'lab.db'));
    const lines = [['text', 'label', 'part'], ['common words here', 'a', 'train'], ['other common words', 'b', 'train'], ['secretword only in test', 'a', 'test'], ['valword only in validation', 'b', 'dev']];
    const d = await importDataset(db, file('split.csv', csv(lines)), { splitColumn: 'part', tokenizer: { kind: 'word' } });
    expect(d.counts).toEqual({ train: 2, validation: 1, test: 1 });
    expect(d.split).toEqual({ column: 'part' });
    const v = trainingVocabulary(db, d.id);
    expect(v.words).toContain('common');
    expect(v.words).not.toContain('secretword');
    expect(v.words).not.toContain('valword');
    expect(v.encode('secretword')[0]).toBe(OOV);
    db.close();
  });

  it('short texts are tokenised as character n-grams unless told otherwise', async () => {
    const db = store.openDb(join(dir, 'lab.db'));
    const names = csv([['name', 'gender'], ...Array.from({ length: 40 }, (_, i) => [`Name${i}`, i % 2 ? 'f' : 'm'])]);
    expect((await importDataset(db, file('names.csv', names), { labelColumn: 'gender' })).tokenizer).toEqual({ kind: 'char', maxLength: 48 });
    expect((await importDataset(db, file('names.csv', names), { name: 'w', labelColumn: 'gender', tokenizer: { kind: 'word' } })).tokenizer.kind).toBe('word');
    db.close();
  });

  const good = csv([['text', 'label'], ...rows(16)]);
  const bad: [string, string, string | Buffer, Record<string, unknown>, RegExp][] = [
    ['an empty file', 'empty.csv', '', {}, /empty\.csv' is empty/],
    ['a file of blank lines', 'blank.csv', '\n\n  \n', {}, /^file: 'blank\.csv' has no rows$/],
    ['a header without rows', 'header.csv', 'text,label\n', {}, /has a header but no rows/],
    ['a missing text column', 'cols.csv', good, { textColumn: 'review' }, /text column: no column 'review' in the file \(columns: text, label\)/],
    ['no obvious label column', 'cols2.csv', csv([['text', 'stars'], ['a', '1'], ['b', '2']]), {}, /label column: none is obviously the label; name it with --label/],
    ['a split column that is not there', 'nosplit.csv', good, { splitColumn: 'part' }, /^split column: no column 'part'/],
    ['a header naming a column twice', 'twice.csv', csv([['text', 'label', ' text'], ['a', 'x', 'b']]), {}, /^line 1: the header names a column twice/],
    ['empty text', 'emptytext.csv', csv([['text', 'label'], ['fine', 'a'], ['   ', 'b'], ['ok', 'a']]), {}, /^line 3: empty text in column 'text'/],
    ['empty text after a field over two lines', 'emptytext2.csv', 'text,label\n"two\nlines",a\nok,b\n"",a\n', {}, /^line 5: empty text in column 'text'/],
    ['empty text after a field that starts on a new line', 'emptytext3.csv', 'text,label\n"\nlines",a\nok,b\n"",a\n', {}, /^line 5: empty text in column 'text'/],
    ['a missing label', 'nolabel.csv', csv([['text', 'label'], ['fine', 'a'], ['ok', 'b'], ['no label', '']]), {}, /^line 4: no label/],
    ['a blank label', 'blanklabel.csv', csv([['text', 'label'], ['fine', 'a'], ['ok', 'b'], ['no label', '  ']]), {}, /^line 4: no label in column 'label'/],
    ['a JSONL text that is not a string', 'num.jsonl', '{"text":"a","label":"x"}\n{"text":5,"label":"y"}\n', {}, /^line 2: empty text in column 'text'/],
    ['a JSONL record without a label', 'nolabel.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":null}\n', {}, /^line 2: no label in column 'label'/],
    ['a single label', 'one.csv', csv([['text', 'label'], ['x', 'a'], ['y', 'a']]), {}, /every row has the label 'a'; a classifier needs at least two/],
    ['too many labels', 'many.csv', csv([['text', 'label'], ...Array.from({ length: 12 }, (_, i) => [`t${i}`, `l${i}`])]), { maxLabels: 10 }, /^line 12: more than 10 distinct labels/],
    ['a row with too many fields', 'fields.csv', 'text,label\nok,a\nbad,b,extra\n', {}, /^line 3: 3 fields where the header has 2/],
    ['a TSV row with too few fields', 'fields.tsv', 'text\tlabel\nok\ta\nnot tab separated,b\n', {}, /^line 3: 1 fields where the header has 2/],
    ['an unterminated quote', 'quote.csv', 'text,label\nok,a\n"never closed,b\n', {}, /^line 3: .*Quote/i],
    ['bytes that are not UTF-8', 'latin1.csv', Buffer.concat([Buffer.from('text,label\nok,a\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x62, 0x0a])]), {}, /^line 3: not valid UTF-8/],
    ['bytes that are not UTF-8 past the first megabyte', 'latin1big.csv', Buffer.concat([Buffer.from('text,label\n' + 'ok,a\n'.repeat(210_000)), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x62, 0x0a])]), {}, /^line 210002: not valid UTF-8/], // past the 1 MiB first chunk
    ['bytes that are not UTF-8 after a line ending in a two-byte character', 'latin1after.csv', Buffer.concat([Buffer.from('text,label\nok,é\nfine,a\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x62, 0x0a])]), {}, /^line 4: not valid UTF-8/],
    ['bytes that are not UTF-8 on an unterminated last line', 'latin1last.csv', Buffer.concat([Buffer.from('text,label\nok,a\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x62])]), {}, /^line 3: not valid UTF-8/],
    ['a file cut inside a character', 'cut.csv', Buffer.concat([Buffer.from('text,label\nok,a\nfine,'), Buffer.from([0xc3])]), {}, /^line 3: not valid UTF-8/],
    ['a JSONL line that is not JSON', 'bad.jsonl', '{"text":"a","label":"x"}\n{"text": oops}\n', {}, /^line 2: not valid JSON/],
    ['an unknown extension', 'data.xlsx', good, {}, /cannot tell the format of 'data\.xlsx'/],
    ['a split value that is no split', 'split.csv', csv([['text', 'label', 's'], ['a', 'x', 'train'], ['b', 'y', 'holdout']]), { splitColumn: 's' }, /^line 3: split 'holdout' in column 's' is none of train, validation, test/],
  ];
  for (const [what, name, content, opts, message] of bad)
    it(`refuses ${what} with a clear message, storing nothing`, async () => {
      const db = store.openDb(join(dir, 'lab.db'));
      await importDataset(db, file('keep.csv', good), { name: 'kept' });
      const before = store.dbInfo(db).counts;
      const e = await importDataset(db, file(name, content), opts).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) }); // the user's to fix: HTTP 400, exit code 1
      expect(store.dbInfo(db).counts).toEqual(before);
      expect(store.readExamples(db, store.findDatasetByName(db, 'kept')!.id, 'train')).toHaveLength(12);
      db.close();
    });

  it('a file that cannot be read to its end is refused by name', async () => {
    mkdirSync(join(dir, 'folder.csv'));
    await expect(readRows(join(dir, 'folder.csv'))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^file: EISDIR/) });
  });

  it('refuses a file that is not there by its path', async () => {
    await expect(readRows(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/^file: '.*missing\.csv' cannot be read$/) });
  });

  it('refuses a name already taken', async () => {
    const db = store.openDb(join(dir, 'lab.db'));
    await importDataset(db, file('a.csv', good), { name: 'mine' });
    await expect(importDataset(db, file('b.csv', good), { name: 'mine' })).rejects.toThrow(/a data set named 'mine' already exists/);
    expect(store.listDatasets(db)).toHaveLength(1);
    db.close();
  });
});
