import { LabError } from '../api/errors';
import type { Lab } from '../lab';

/**
 * What a command needs of the process: the lab (opened on first use, with the global
 * --db and --parallel), and where its words go. The entry point gives the real process;
 * tests give strings, so every command's printing runs in process.
 */
export interface CliContext {
  open(): Lab;
  /** a line (or lines) on standard output */
  out(s: string): void;
  /** raw bytes on standard output (an export piped elsewhere) */
  write(s: string): void;
  /** text on standard error as it is (progress redraws a line): "wrote FILE\n", skipped items */
  err(s: string): void;
  /** standard error is a terminal: progress redraws one line instead of logging */
  readonly tty: boolean;
  /** the exit code the process ends with, unless an error sets another */
  exitCode(code: number): void;
}

export const json = (ctx: CliContext, v: unknown): void => ctx.out(JSON.stringify(v, null, 2));

/** A positive whole number naming a row. */
export const id = (s: string): number => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new LabError('invalid_input', `'${s}' is not an id (a positive whole number)`);
  return n;
};

/** A flag's whole number of at least 1. */
export const count = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new LabError('invalid_input', `${flag}: '${v.slice(0, 20)}' is not a whole number of at least 1`);
  return n;
};

export const num = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new LabError('invalid_input', `'${v}' is not a number`);
  return n;
};
