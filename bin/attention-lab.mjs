#!/usr/bin/env node
// The CLI door: runs the TypeScript core directly through tsx (no build step needed).
import { register } from 'tsx/esm/api';

register();
// A command that will train forks its trainer first, so the trainer loads while the CLI does.
const args = process.argv.slice(2);
let i = 0;
while (i < args.length && args[i].startsWith('-')) i += args[i] === '--db' ? 2 : 1;
if (['run', 'study'].includes(args[i]) && !args.includes('--detach') && !args.includes('--help')) (await import('../src-main/runs/spawn.ts')).prewarmTrainer();
await import('../src-main/cli/main.ts');
