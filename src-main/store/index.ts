/** The experiment store: SQLite is the source of truth (DESIGN.md, rule 4). */
export * from './db';
export * from './location';
export * from './taskSets';
export * from './runs';
export * from './metrics';
export * from './checkpoints';
export * from './datasets';
export * from './solves';
export * from './curveFits';
export * from './studies';
export * from './info';
export * from './tracked';
export * from './finals';
export * from './runQuery';
export * from './views';
