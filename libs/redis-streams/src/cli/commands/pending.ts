import { Option } from 'commander';
import { parsePendingReply } from '../../redis/stream-replies';
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
  const { redis } = context;
  let summary: unknown[];
  try {
    summary = await redis.xpending(stream, group);
  } catch (error) {
    if (/NOGROUP/.test((error as Error).message)) {
      throw new CliError(`no group ${group} on stream ${stream}`, EXIT.notFound);
    }
    throw error;
  }
  const idle = options.minIdle === undefined ? [] : ['IDLE', options.minIdle];
  const consumer = options.consumer === undefined ? [] : [options.consumer];
  const rows = parsePendingReply(
    await redis.call('XPENDING', stream, group, ...idle, '-', '+', options.count, ...consumer),
  );
  if (context.json) {
    printJson(context.output, { stream, group, total: Number(summary[0]), entries: rows });
    return EXIT.ok;
  }
  context.output.out(`${stream} / ${group}: ${Number(summary[0])} pending`);
  table(
    ['ID', 'CONSUMER', 'IDLE', 'DELIVERIES'],
    rows.map((row) => [row.id, row.consumer, formatAge(row.idleMs), row.deliveries]),
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
