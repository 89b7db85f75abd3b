export * from './model.js';
export * from './validate.js';
export * from './binary.js';
export * from './testing.js';
export * from './stats.js';
export * from './intervals.js';
export * from './ndjson.js';
export * from './chrome.js';
