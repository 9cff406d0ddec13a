import type { ChildProcess } from 'node:child_process';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages from the stub are loosely shaped by design
type Message = Record<string, any> & { type: string };
export function driveMain(mainJs: string, env: NodeJS.ProcessEnv): {
  main: ChildProcess;
  seen: Message[];
  waitFor(pred: (m: Message) => boolean, ms?: number): Promise<Message>;
  ask(m: Record<string, unknown>): Promise<unknown>;
  call(name: string, input: unknown, frameUrl: string | null): Promise<unknown>;
  windowOpened(): Promise<Message>;
  rendererUrl(outDir: string): string;
};
