import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** Copies a child's output to `target` line by line, each line prefixed (`[api] …`). */
export function prefixOutput(stream: Readable | null, prefix: string, target: Writable): void {
  if (!stream) {
    return;
  }
  createInterface({ input: stream }).on('line', (line) => target.write(`${prefix} ${line}\n`));
}
