import { rng } from '../../../src-main/datasets/split';

/** A two-class text set: each label has its own words, plus shared noise, so a model can learn it and chance is 50%. */
export function toyCsv(rows = 400, seed = 1, words: [string[], string[]] = [['apple', 'pear', 'plum'], ['brick', 'stone', 'slate']]): string {
  const r = rng(seed), noise = ['the', 'a', 'of', 'and', 'to', 'in', 'is', 'it'];
  const lines = ['text,label'];
  for (let i = 0; i < rows; i++) {
    const y = i % 2, t: string[] = [];
    for (let k = 0; k < 6 + Math.floor(r() * 6); k++) t.push(r() < 0.3 ? words[y][Math.floor(r() * words[y].length)] : noise[Math.floor(r() * noise.length)]);
    lines.push(`${t.join(' ')},${y ? 'b' : 'a'}`);
  }
  return lines.join('\n') + '\n';
}
