import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

/** A folder emptied after each test (same path, fresh contents). */
export function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-test-'));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A minimal valid task set; override fields per test. */
export function seedLike(over: Record<string, unknown> = {}) {
  return {
    name: 'set',
    budget: 100,
    tasks: [
      { name: 'a', attentionCost: 10, timeCost: 0.1 },
      { name: 'b', attentionCost: 20, timeCost: 0.2, weight: 2, floor: 0.1, cap: 0.9 },
    ],
    ...over,
  };
}
