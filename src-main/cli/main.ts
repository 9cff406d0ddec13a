import { serveCommand } from '../server/command';
import { createCli, execute } from './program';

// The command line's entry point: the CLI's commands and serve mode's, on this process's streams.
const cli = createCli(
  { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s), tty: !!process.stderr.isTTY },
  [serveCommand],
);
// Output piped into a reader that stopped (`… | head`): stop as a killed pipe would, leaving
// any run this process trains interrupted (resumable), not 'running'.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    cli.lab()?.close();
    process.exit(141);
  });

process.exitCode = await execute(cli, process.argv.slice(2), !!process.env.ATTENTION_LAB_DEBUG);
