#!/usr/bin/env node
// The CLI door: runs the TypeScript core directly through tsx (no build step needed).
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/main.ts');
