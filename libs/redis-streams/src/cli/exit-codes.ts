/** Exit codes of `nest-redis-streams`, stable for scripts. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Redis unreachable or a command failed. */
  failed: 1,
  /** Bad arguments or options (nothing was done). */
  usage: 2,
  /** `status --check`: a threshold is exceeded. */
  checkFailed: 3,
  /** The named entry does not exist. */
  notFound: 4,
} as const;

/** An error that ends the CLI with a given exit code and a one-line message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
