// The JSON schemas of the HTTP API's inputs, shared by the route plugins.
import { MAX_SPEED } from '@lockscope/trace/protocol';
import { ID_PATTERN } from '../ids.js';

export interface CreateRunBody {
  scenario: string;
  params?: Record<string, number | string>;
  preset?: string;
  set?: Record<string, number | string>;
  seed?: number;
  speed?: number | 'max';
}

export const nameSchema = { type: 'string', minLength: 1, maxLength: 100 } as const;
export const titleSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
export const seedSchema = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
export const speedSchema = { anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: MAX_SPEED }, { type: 'string', const: 'max' }] } as const;

export const createRunSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['scenario'],
  properties: {
    scenario: nameSchema,
    params: { type: 'object', maxProperties: 64, additionalProperties: { type: ['integer', 'string'], maxLength: 100 } },
    preset: nameSchema,
    set: { type: 'object', maxProperties: 64, additionalProperties: { type: ['number', 'string'], maxLength: 100 } },
    seed: seedSchema,
    speed: speedSchema,
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
} as const;


/** Largest list offset accepted (beyond any store's row count, and a 64-bit integer for SQLite). */
export const MAX_OFFSET = 1_000_000_000;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 } },
} as const;
