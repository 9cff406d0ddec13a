/**
 * Tokenisation. Word level: Unicode letters and digits (an inner apostrophe kept),
 * lower-cased. Character level (short texts such as names): n-grams of 1–3 characters
 * of the lower-cased text with ^ and $ marking its ends, so "ann" and "anne" differ.
 * The vocabulary is built from training texts only; id 0 pads, id 1 is out-of-vocabulary.
 */
export type TokenizerKind = 'word' | 'char';
export interface TokenizerSpec { kind: TokenizerKind; maxLength: number }
export const DEFAULT_MAX_LENGTH: Record<TokenizerKind, number> = { word: 200, char: 48 };

// A word is at most 1,000 characters (a longer run is cut into pieces): the regex engine's
// backtracking stack grows with the match, and a 10 MB "word" overflowed it.
const WORD = /[\p{L}\p{N}]{1,1000}(?:['’][\p{L}]{1,1000}){0,50}/gu;

export function tokens(text: string, kind: TokenizerKind): string[] {
  if (kind === 'word') return text.toLowerCase().match(WORD) ?? [];
  const s = `^${text.trim().toLowerCase()}$`;
  const out: string[] = [];
  for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= s.length; i++) out.push(s.slice(i, i + n));
  return out;
}

/** Tokens a model reads of this text: counted, after truncation at `maxLength`. */
export function tokenCount(text: string, spec: TokenizerSpec): number {
  if (spec.kind === 'char') {
    const L = text.trim().length + 2; // with ^ and $
    return Math.min(spec.maxLength, Math.max(0, L) + Math.max(0, L - 1) + Math.max(0, L - 2));
  }
  let n = 0;
  WORD.lastIndex = 0;
  const lower = text.toLowerCase();
  while (WORD.exec(lower) && ++n < spec.maxLength);
  WORD.lastIndex = 0;
  return n;
}

export const PAD = 0, OOV = 1;

export class Vocabulary {
  private constructor(readonly words: string[], private readonly index: Map<string, number>, readonly spec: TokenizerSpec) {}

  /** The `maxSize` most frequent tokens of the training texts seen at least `minCount` times (ties by first appearance). */
  static fromTraining(trainTexts: Iterable<string>, spec: TokenizerSpec, maxSize = 20_000, minCount = 1): Vocabulary {
    const freq = new Map<string, number>();
    for (const t of trainTexts) for (const w of tokens(t, spec.kind)) freq.set(w, (freq.get(w) ?? 0) + 1);
    const kept = [...freq].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1]).slice(0, Math.max(0, maxSize - 2)).map(([w]) => w);
    const words = ['<pad>', '<oov>', ...kept];
    return new Vocabulary(words, new Map(words.map((w, i) => [w, i])), spec);
  }

  get size(): number {
    return this.words.length;
  }

  id(token: string): number {
    return this.index.get(token) ?? OOV;
  }

  /** Ids of one text, truncated at maxLength and padded with 0 to it. */
  encode(text: string, out = new Int32Array(this.spec.maxLength)): Int32Array {
    out.fill(PAD);
    const ts = tokens(text, this.spec.kind);
    for (let i = 0; i < Math.min(ts.length, out.length); i++) out[i] = this.id(ts[i]);
    return out;
  }

  /** Many texts into one row-major [texts × maxLength] id matrix. */
  encodeAll(texts: readonly string[]): Int32Array {
    const L = this.spec.maxLength, out = new Int32Array(texts.length * L);
    texts.forEach((t, i) => this.encode(t, out.subarray(i * L, (i + 1) * L)));
    return out;
  }
}
