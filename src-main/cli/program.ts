import { Command, CommanderError } from 'commander';
import { LabError } from '../api/errors';
import { resolve } from 'node:path';
import { Lab } from '../lab';
import { defaultDbPath } from '../store/location';
import { compareCommand } from './commands/compare';
import { datasetCommands } from './commands/datasets';
import { dbCommands } from './commands/db';
import { runCommand } from './commands/run';
import { runsCommands } from './commands/runs';
import { solveCommands } from './commands/solve';
import { studyCommand } from './commands/study';
import { taskSetCommands } from './commands/taskSet';
import { transferCommands } from './commands/transfer';
import { type CliContext, count } from './context';

/** Where a command's words go: the process's streams, or a test's strings. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  readonly tty: boolean;
}

export interface Cli {
  program: Command;
  io: CliIo;
  ctx: CliContext;
  /** the lab, if a command opened it */
  lab(): Lab | undefined;
  /** the exit code a command asked for (undefined: none) */
  exitCode(): number | undefined;
}

/**
 * The CLI door: each command is one or more contract calls, printed for a terminal (or as
 * JSON); one module per command noun under commands/. `more` adds commands of other doors
 * (serve mode's `serve`), given by the entry point.
 */
export function createCli(io: CliIo, more: ((program: Command, ctx: CliContext) => void)[] = []): Cli {
  let lab: Lab | undefined;
  let code: number | undefined;
  const program = new Command('attention-lab')
    .description('Attention Lab: solve training-budget allocations across tasks, train, and compare runs.')
    .option('--db <path>', 'database file (default: $ATTENTION_LAB_DB, else the one the app chose, else lab.db in the platform data folder)')
    .option('--parallel <n>', 'runs trained at once (default: as many as the cores and free memory allow; 1: one at a time)', (v) => count('--parallel', v))
    .showHelpAfterError()
    // help and usage errors are written, then thrown (not process.exit), so the caller decides
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  const ctx: CliContext = {
    open: () => (lab ??= new Lab(program.opts().db ? resolve(program.opts().db) : defaultDbPath(), { parallel: program.opts().parallel })),
    out: (s) => io.out(s.endsWith('\n') ? s : s + '\n'),
    write: (s) => io.out(s),
    err: (s) => io.err(s),
    tty: io.tty,
    exitCode: (c) => void (code = c),
  };
  for (const add of [dbCommands, datasetCommands, taskSetCommands, solveCommands, runCommand, runsCommands, compareCommand, studyCommand, transferCommands, ...more]) add(program, ctx);
  return { program, io, ctx, lab: () => lab, exitCode: () => code };
}

/**
 * Runs one command line (the words after the program name) and closes the lab it opened;
 * resolves with the exit code. A LabError is the user's to act on; anything else is the
 * lab's fault: said in one line, with the stack only when asked for (`debug`).
 */
export async function execute(cli: Cli, args: string[], debug = false): Promise<number> {
  try {
    await cli.program.parseAsync(args, { from: 'user' });
    return cli.exitCode() ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander has said it (help, or a usage error with the help after it)
    const err = e as Error & { code?: string };
    const words = e instanceof LabError ? e.message : `${err.message ?? String(e)}${err.code && !String(err.message).includes(err.code) ? ` (${err.code})` : ''}`;
    cli.io.err(`error: ${words}\n`);
    if (!(e instanceof LabError)) cli.io.err(debug ? `${err.stack}\n` : 'this is a fault of the lab: set ATTENTION_LAB_DEBUG=1 to see where it happened, and report it\n');
    return e instanceof LabError ? 1 : 70;
  } finally {
    cli.lab()?.close();
  }
}
