import { Option } from 'commander';
import { CommandContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { formatAge, printJson, table } from '../output';
import { parseCount } from '../parse';
import { Register } from '../program';

interface PendingOptions {
  count: number;
  consumer?: string;
  minIdle?: number;
}

async function pending(
  context: CommandContext,
  stream: string,
  group: string,
  options: PendingOptions,
): Promise<number> {
  let found: Awaited<ReturnType<typeof context.admin.pending>>;
  try {
    found = await context.admin.pending(stream, group, {
      count: options.count,
      consumer: options.consumer,
      minIdleMs: options.minIdle,
    });
  } catch (error) {
    if (/NOGROUP/.test((error as Error).message)) {
      throw new CliError(`no group ${group} on stream ${stream}`, EXIT.notFound);
    }
    throw error;
  }
  const { total, entries } = found;
  if (context.json) {
    printJson(context.output, { stream, group, total, entries });
    return EXIT.ok;
  }
  context.output.out(`${stream} / ${group}: ${total} pending`);
  table(
    ['ID', 'CONSUMER', 'IDLE', 'DELIVERIES'],
    entries.map((row) => [row.id, row.consumer, formatAge(row.idleMs), row.deliveries]),
  ).forEach((line) => context.output.out(line));
  return EXIT.ok;
}

/** `pending <stream> <group>`: the group's pending entries, oldest first, with owner, idle time and deliveries. */
export const registerPending: Register = (program, action) => {
  program
    .command('pending')
    .description("a group's pending entries: id, consumer, idle time, deliveries")
    .argument('<stream>')
    .argument('<group>')
    .addOption(new Option('--count <n>', 'most entries listed').default(100).argParser(parseCount(1)))
    .option('--consumer <name>', "only this consumer's entries")
    .addOption(
      new Option('--min-idle <ms>', 'only entries idle at least this long (ms)').argParser(parseCount(0)),
    )
    .action(
      action((context, stream: string, group: string, options: PendingOptions) =>
        pending(context, stream, group, options),
      ),
    );
};
