// Ids of runs and recordings: 16 random bytes (128 bits), base64url, so they cannot be guessed.
import { randomBytes } from 'node:crypto';

export const ID_PATTERN = '^[A-Za-z0-9_-]{22}$';
const ID_RE = new RegExp(ID_PATTERN);

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export function isId(text: string): boolean {
  return ID_RE.test(text);
}
