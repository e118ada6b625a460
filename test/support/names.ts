import { randomBytes } from 'node:crypto';

/** A name no other test uses: `test:<label>:<random>`. */
export function uniqueName(label: string): string {
  return `test:${label}:${randomBytes(4).toString('hex')}`;
}
