export * from './contract';
export * from './errors';
export * from './schemas';
export * from './envelope';
export * from './study';
