export * from './format.js';
export * from './procedures.js';
export * from './decoder.js';
export * from './follow.js';
export * from './launcher.js';
export * from './compare.js';
