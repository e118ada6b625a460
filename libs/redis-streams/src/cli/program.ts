import { Command, CommanderError } from 'commander';
import { closeRedisConnection } from '../redis/connection-factory';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { describeError } from '../errors/describe-error';
import { registerDeadLetters } from './commands/dead-letters';
import { registerPending } from './commands/pending';
import { registerStatus } from './commands/status';
import { registerTail } from './commands/tail';
import { registerTopology } from './commands/topology';
import { connectCli } from './connect';
import { CommandContext, GlobalOptions, topologyOf } from './context';
import { RedisStreamsAdmin } from '../admin/redis-streams-admin';
import { deadLetterStreamsOf } from '../admin/topology';
import { CliError, EXIT } from './exit-codes';
import { Output, processOutput } from './output';

/** Wraps a command's action: connects, runs it, closes, records its exit code. */
export type ActionWrapper = <Args extends unknown[]>(
  run: (context: CommandContext, ...args: Args) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

/** Adds one command (or a group of subcommands) to the program. */
export type Register = (program: Command, action: ActionWrapper) => void;

/** The package version: package.json sits one level up when built, two in the source tree. */
function version(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require(path) as { version: string }).version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

/**
 * Runs `nest-redis-streams` with `argv` (as `process.argv`: node, script, args…) and resolves with the exit code.
 * Never throws: every failure is a message on stderr and a code from {@link EXIT}.
 */
export async function runCli(argv: string[], output: Output = processOutput): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('nest-redis-streams')
    .description(
      'Operate Redis Streams used by nest-redis-streams: status, pending, dead letters, topology, trim',
    )
    .version(version())
    .option('--url <url>', 'Redis URL (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--json', 'machine-readable output')
    .option(
      '--config <file>',
      'topology file (default: STREAMS_TOPOLOGY, else ./streams.yaml, ./config/streams.yaml)',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text.trimEnd()),
      writeErr: (text) => output.err(text.trimEnd()),
    });
  const action: ActionWrapper =
    (run) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const global = command.optsWithGlobals<GlobalOptions>();
      const topology = await topologyOf(global.config);
      const redis = await connectCli(global.url);
      try {
        const context = {
          admin: new RedisStreamsAdmin(redis, { deadLetterStreams: deadLetterStreamsOf(topology) }),
          output,
          json: global.json === true,
          config: global.config,
        };
        const untyped = run as (context: CommandContext, ...rest: unknown[]) => Promise<number>;
        exitCode = await untyped(context, ...args.slice(0, -1));
      } finally {
        await closeRedisConnection(redis);
      }
    };
  for (const register of [
    registerStatus,
    registerPending,
    registerDeadLetters,
    registerTopology,
    registerTail,
  ]) {
    register(program, action);
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return failure(error, output);
  }
}

function failure(error: unknown, output: Output): number {
  if (error instanceof CommanderError) {
    // Help and version end through here too (commander "errors" with exit code 0).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    output.err(`error: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof InvalidOptionsError) {
    output.err(`error: ${error.message}`);
    return EXIT.usage;
  }
  output.err(`error: ${describeError(error)}`);
  return EXIT.failed;
}
