// Every op, for the namespace (lib/tfjs/index.ts).
export * from './create';
export * from './elementwise';
export * from './reduce';
export * from './shape';
export * from './matmul';
export * from './scan';
export * from './slicing';
export * from './indexing';
