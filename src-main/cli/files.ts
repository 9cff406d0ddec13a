import { readFileSync } from 'node:fs';
import { LabError } from '../api/errors';

/** Reads a user's JSON file; a missing or malformed file is a LabError naming the file and the fault. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LabError('invalid_input', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LabError('invalid_input', `${file} is not valid JSON: ${(e as Error).message}`);
  }
}
