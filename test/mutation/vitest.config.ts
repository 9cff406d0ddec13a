import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../vitest.config';

/** The unit tests of one module (MUTATION_TESTS, comma-separated), for Stryker's runs. */
export default mergeConfig(base, defineConfig({ test: { include: (process.env.MUTATION_TESTS ?? 'test/unit/**/*.test.ts').split(',') } }));
