import type { ProgressEvent } from '../api/schemas';
import type { CliContext } from './context';

/** Progress of long work on standard error (a line per update when it is not a terminal). */
export function showProgress(ctx: CliContext): () => void {
  const on = (e: ProgressEvent) => {
    const pct = e.total ? ` ${Math.floor((100 * e.done) / e.total)}%` : '';
    ctx.err(ctx.tty ? `\r\x1b[K${e.message}${pct}` : `${e.message}${pct}\n`);
  };
  const l = ctx.open();
  l.events.on('progress', on);
  return () => {
    l.events.off('progress', on);
    if (ctx.tty) ctx.err('\r\x1b[K');
  };
}

/** A run's progress as one bar on standard error. */
export function showRunProgress(ctx: CliContext): () => void {
  let last = '';
  const on = (e: ProgressEvent) => {
    if (e.kind !== 'run') return;
    const frac = e.total ? e.done / e.total : 0, width = 24;
    const bar = e.total ? ` [${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${Math.floor(frac * 100)}%` : '';
    const line = `run ${e.runId}: ${e.phase}${bar} ${e.message}`;
    if (ctx.tty) ctx.err(`\r\x1b[K${line}`);
    else if (e.phase !== last) ctx.err(`${line}\n`); // a log, not a flood: one line per phase
    last = e.phase;
  };
  const l = ctx.open();
  l.events.on('progress', on);
  return () => {
    l.events.off('progress', on);
    if (ctx.tty) ctx.err('\r\x1b[K');
  };
}
