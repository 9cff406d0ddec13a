import { z } from 'zod';

/** Pieces every schema of the contract builds on. */
export const Id = z.number().int().positive();

/** zod 4's number() already refuses NaN and ±Infinity; the message says so. */
export const finite = (what: string) => z.number({ error: `${what} must be a finite number` });
export const finiteNonNegative = (what: string) => finite(what).refine((v) => v >= 0, `${what} must be ≥ 0`);
export const positive = (what: string) => finite(what).refine((v) => v > 0, `${what} must be > 0`);
