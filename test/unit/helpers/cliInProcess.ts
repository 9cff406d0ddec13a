import { createCli, execute } from '../../../src-main/cli/program';
import { serveCommand } from '../../../src-main/server/command';

/** Runs the CLI in this process (the entry point's commands, its streams as strings). */
export async function cliIn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const cli = createCli({ out: (s) => void (stdout += s), err: (s) => void (stderr += s), tty: false }, [serveCommand]);
  const code = await execute(cli, args);
  return { code, stdout, stderr };
}
