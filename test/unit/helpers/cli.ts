import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '../../..');
const exec = promisify(execFile);

/** Runs the real `attention-lab` bin; resolves with exit code and output instead of throwing. */
export async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [join(root, 'bin/attention-lab.mjs'), ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

