import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { createInterface } from 'node:readline';
import Papa from 'papaparse';
import { LabError, excerpt, excerptList } from '../api/errors';
import type { Split } from '../store/datasets';

/**
 * Streaming readers for CSV, TSV and JSONL. Rows are read whole into compact arrays
 * (texts, label ids, optional splits) and checked as they come; nothing touches the
 * database until the file has been read to its end without a fault, so a bad file stores nothing.
 */
export type FileFormat = 'csv' | 'tsv' | 'jsonl';
export interface ReadOptions {
  format?: FileFormat;
  textColumn?: string;
  labelColumn?: string;
  splitColumn?: string;
  maxLabels?: number;
  maxRows?: number;
  onProgress?: (p: { rows: number; bytes: number; totalBytes: number }) => void;
}
export interface ReadRows {
  texts: string[];
  labels: string[];
  /** index into `labels` per row */
  labelOf: Uint32Array;
  splits: Split[] | null;
  columns: { text: string; label: string; split: string | null };
  bytes: number;
}

export const FORMATS: Record<string, FileFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };
const TEXT_NAMES = ['text', 'content', 'body', 'message', 'sentence', 'review', 'document', 'name', 'comment'];
const LABEL_NAMES = ['label', 'class', 'category', 'target', 'y', 'sentiment', 'party', 'gender', 'tag'];
const SPLIT_VALUES: Record<string, Split> = { train: 'train', training: 'train', validation: 'validation', valid: 'validation', val: 'validation', dev: 'validation', test: 'test', testing: 'test' };

export function formatOf(path: string, format?: FileFormat): FileFormat {
  const f = format ?? FORMATS[extname(path).toLowerCase()];
  if (!f) throw new LabError('invalid_input', `file: cannot tell the format of '${basename(path)}' from its extension; use .csv, .tsv or .jsonl, or name the format`);
  return f;
}

/** Decoded text of a file, streamed; an invalid UTF-8 sequence stops it with the line it is on. */
async function* decoded(path: string, onBytes: (n: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let line = 1;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new LabError('invalid_input', `line ${line + badLineOffset(chunk)}: not valid UTF-8 text; save the file as UTF-8`);
    }
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) line++;
    onBytes(chunk.length);
    yield text;
  }
  // The end flushes nothing but a cut sequence, which `fatal` refuses.
  try {
    decoder.decode();
  } catch {
    throw new LabError('invalid_input', `line ${line}: not valid UTF-8 text (the file ends inside a character); save the file as UTF-8`);
  }
}

/** Lines into `chunk` before the first one that is not valid UTF-8 (the last, unterminated line if none before it is). */
function badLineOffset(chunk: Buffer): number {
  let start = 0, k = 0;
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] !== 10) continue;
    if (!isUtf8(chunk.subarray(start, i))) return k;
    start = i + 1;
    k++;
  }
  return k;
}

/** The column the user named, which must be there. */
function named(columns: string[], wanted: string, what: string): string {
  if (!columns.includes(wanted)) throw new LabError('invalid_input', `${what} column: no column '${excerpt(wanted)}' in the file (columns: ${excerptList(columns)})`);
  return wanted;
}

/** The column the user named, or the first of `guesses` (in order of preference) among the columns. */
function pick(columns: string[], wanted: string | undefined, guesses: string[], what: string, flag: string): string {
  if (wanted !== undefined) return named(columns, wanted, what);
  const found = guesses.map((g) => columns.find((c) => c.trim().toLowerCase() === g)).find((c) => c !== undefined);
  if (!found) throw new LabError('invalid_input', `${what} column: none is obviously the ${what}; name it with ${flag} (columns: ${excerptList(columns)})`);
  return found;
}

export async function readRows(path: string, o: ReadOptions = {}): Promise<ReadRows> {
  const format = formatOf(path, o.format);
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch {
    throw new LabError('not_found', `file: '${path}' cannot be read`);
  }
  if (totalBytes === 0) throw new LabError('invalid_input', `file: '${basename(path)}' is empty`);
  let bytes = 0;
  const rows = new Rows(o, () => ({ bytes, totalBytes }));
  const source = Readable.from(decoded(path, (n) => (bytes += n)));
  await (format === 'jsonl' ? readJsonl(source, rows) : readDelimited(source, format === 'tsv' ? '\t' : ',', rows));

  const { columns, texts, labelIndex, labelIds, splits } = rows;
  if (!columns) throw new LabError('invalid_input', `file: '${basename(path)}' has no rows`);
  if (!texts.length) throw new LabError('invalid_input', `file: '${basename(path)}' has a header but no rows`);
  const labels = [...labelIndex.keys()];
  if (labels.length < 2) throw new LabError('invalid_input', `label column '${columns.label}': every row has the label '${excerpt(labels[0])}'; a classifier needs at least two labels`);
  o.onProgress?.({ rows: texts.length, bytes: totalBytes, totalBytes });
  return { texts, labels, labelOf: Uint32Array.from(labelIds), splits: columns.split ? splits : null, columns, bytes: totalBytes };
}

const fail = (line: number, msg: string): never => {
  throw new LabError('invalid_input', `line ${line}: ${msg}`);
};

/**
 * The rows of a file as they are read, whatever its format: the columns chosen from the
 * first record, each row checked (a text, a label, a known split) and within the limits.
 */
class Rows {
  readonly texts: string[] = [];
  readonly labelIds: number[] = [];
  readonly splits: Split[] = [];
  readonly labelIndex = new Map<string, number>();
  columns: ReadRows['columns'] | null = null;
  private lastReport = 0;
  private readonly maxLabels: number;
  private readonly maxRows: number;

  constructor(private readonly o: ReadOptions, private readonly read: () => { bytes: number; totalBytes: number }) {
    this.maxLabels = o.maxLabels ?? 100;
    this.maxRows = o.maxRows ?? 5_000_000;
  }

  /** The text, label and split columns among the first record's, named or guessed. */
  choose(columns: string[]): ReadRows['columns'] {
    const o = this.o;
    return (this.columns = {
      text: pick(columns, o.textColumn, TEXT_NAMES, 'text', '--text'),
      label: pick(columns, o.labelColumn, LABEL_NAMES, 'label', '--label'),
      split: o.splitColumn === undefined ? null : named(columns, o.splitColumn, 'split'),
    });
  }

  add(line: number, text: unknown, label: unknown, split: unknown): void {
    const cols = this.columns!;
    if (typeof text !== 'string' || !text.trim()) fail(line, `empty text in column '${excerpt(cols.text)}'`);
    if (label === undefined || label === null || String(label).trim() === '') fail(line, `no label in column '${excerpt(cols.label)}'`);
    const l = String(label).trim();
    let id = this.labelIndex.get(l);
    if (id === undefined) {
      if (this.labelIndex.size >= this.maxLabels) fail(line, `more than ${this.maxLabels} distinct labels (the limit); is '${excerpt(cols.label)}' really the label column?`);
      this.labelIndex.set(l, (id = this.labelIndex.size));
    }
    if (cols.split !== null) {
      const s = SPLIT_VALUES[String(split).trim().toLowerCase()]; // undefined, null: no split
      if (!s) fail(line, `split '${excerpt(split ?? '')}' in column '${excerpt(cols.split)}' is none of train, validation, test`);
      this.splits.push(s);
    }
    if (this.texts.length >= this.maxRows) fail(line, `more than ${this.maxRows.toLocaleString('en-US')} rows (the limit)`);
    this.texts.push(text as string);
    this.labelIds.push(id);
    if (this.o.onProgress && this.texts.length - this.lastReport >= 50_000) {
      this.lastReport = this.texts.length;
      this.o.onProgress({ rows: this.texts.length, ...this.read() });
    }
  }
}

/** JSON Lines: one object per line, blank lines skipped. */
async function readJsonl(source: Readable, rows: Rows): Promise<void> {
  let line = 0;
  for await (const raw of createInterface({ input: source, crlfDelay: Infinity })) {
    line++;
    if (!raw.trim()) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      fail(line, `not valid JSON (${excerpt((e as Error).message, 120)})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(line, 'each line must be one JSON object');
    const rec = obj as Record<string, unknown>;
    const cols = rows.columns ?? rows.choose(Object.keys(rec));
    rows.add(line, rec[cols.text], rec[cols.label], cols.split ? rec[cols.split] : undefined);
  }
}

/** CSV or TSV with a header row, streamed through Papa Parse; line numbers count quoted newlines. */
function readDelimited(source: Readable, delimiter: string, rows: Rows): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failure: unknown = null; // abort() calls complete() at once: it must not resolve over the failure
    let header: string[] | null = null, textAt: number, labelAt: number, splitAt: number, line = 1; // the indices: set by the header
    Papa.parse<string[]>(source, {
      delimiter,
      skipEmptyLines: 'greedy',
      step: (r, parser) => {
        try {
          const row = r.data;
          const at = line;
          for (const v of row) for (let i = v.indexOf('\n'); i >= 0; i = v.indexOf('\n', i + 1)) line++;
          line++;
          if (r.errors.length) fail(at, `${excerpt(r.errors[0].message, 120)} (${r.errors[0].code})`);
          if (!header) {
            header = row.map((h) => h.trim());
            if (new Set(header).size !== header.length) fail(at, `the header names a column twice (${excerptList(header)})`);
            const cols = rows.choose(header);
            [textAt, labelAt, splitAt] = [header.indexOf(cols.text), header.indexOf(cols.label), cols.split ? header.indexOf(cols.split) : -1];
            return;
          }
          if (row.length !== header.length) fail(at, `${row.length} fields where the header has ${header.length}`);
          rows.add(at, row[textAt], row[labelAt], splitAt >= 0 ? row[splitAt] : undefined);
        } catch (e) {
          failure = e;
          parser.abort();
        }
      },
      complete: () => (failure ? reject(failure) : resolve()),
      error: (e: Error) => reject(e instanceof LabError ? e : new LabError('invalid_input', `file: ${excerpt(e.message, 200)}`)),
    }); // a read error reaches `error` too (Papa listens to the stream)
  });
}
