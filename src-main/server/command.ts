import type { Command } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../api/errors';
import type { Lab } from '../lab';
import { serve } from './index';
import { ensureRenderer } from './renderer';

/** What the serve command needs of the command line it joins (the CLI's context has it). */
export interface ServeHost { open(): Lab; out(s: string): void; err(s: string): void }

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new LabError('invalid_input', `--port: '${v.slice(0, 20)}' is not a port (a whole number from 1 to 65535)`);
  return n;
};

/**
 * `serve`: serve mode's own command. The command line's entry point adds it, so the CLI's
 * commands and serve mode stay two doors that do not import each other.
 */
export function serveCommand(program: Command, host: ServeHost): void {
  program
    .command('serve')
    .description('serve the app to a browser on 127.0.0.1 (the URL carries a per-start token)')
    .option('--port <port>', 'port (default: a free one)', port)
    .option('--renderer <dir>', 'built renderer folder (default: the build in this install; made on first serve)')
    .action(async (o) => {
      const rendererDir = resolve(o.renderer ?? fileURLToPath(new URL('../../out/renderer', import.meta.url)));
      ensureRenderer(rendererDir, o.renderer === undefined, (line) => host.err(`${line}\n`));
      const l = host.open();
      if (l.interruptedAtStart) host.err(`${l.interruptedAtStart} run(s) left training by a stopped lab marked interrupted (resumable)\n`);
      const served = await serve({ lab: l, rendererDir, port: o.port }).catch((e) => {
        throw e instanceof LabError && e.code === 'conflict' ? new LabError('conflict', `${e.message}: choose another with --port, or leave it out for a free one`) : e;
      });
      host.out(`Attention Lab is serving on ${served.url}\nopen that URL in a browser; Ctrl+C stops it`);
      host.out(`scripts that log to MLflow log here after:\n${l.tracking!.status().exports}`);
      await new Promise<void>((r) => { process.once('SIGINT', r); process.once('SIGTERM', r); });
      await served.close();
    });
}
