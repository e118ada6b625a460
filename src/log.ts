/** Prints one `[start] …` progress line on stdout. */
export function log(message: string): void {
  process.stdout.write(`[start] ${message}\n`);
}

/** Prints one `[start] error: …` line on stderr. */
export function fail(message: string): void {
  process.stderr.write(`[start] error: ${message}\n`);
}
