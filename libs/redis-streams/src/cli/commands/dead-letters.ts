import { Command, Option } from 'commander';
import { DeadLetterFilter } from '../../admin/dead-letters';
import { DeadLetterRecord } from '../../wire/dead-letter-record';
import { CommandContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { formatAge, printJson, table } from '../output';
import { parseCount, parseRate, parseTime } from '../parse';
import { Register } from '../program';

interface FilterOptions extends DeadLetterFilter {
  limit?: number;
}

interface ActionOptions extends FilterOptions {
  all?: boolean;
  dryRun?: boolean;
  rate?: number;
  yes?: boolean;
  by?: string;
}

function filterOptions(command: Command): Command {
  return command
    .option('--group <group>', 'only records of this group')
    .option(
      '--reason <reason>',
      'only this failure reason (handler-error, max-deliveries, validation, no-handler …)',
    )
    .option('--pattern <pattern>', 'only this event type')
    .addOption(
      new Option(
        '--since <time>',
        'dead-lettered at or after (ISO date, epoch ms, or age like 2h)',
      ).argParser((v) => parseTime(v)),
    )
    .addOption(new Option('--until <time>', 'dead-lettered at or before').argParser((v) => parseTime(v)))
    .addOption(new Option('--limit <n>', 'most records').argParser(parseCount(1)));
}

async function list(
  context: CommandContext,
  stream: string | undefined,
  options: FilterOptions,
): Promise<number> {
  const streams = stream ? [stream] : await context.admin.deadLetterSources();
  const records: DeadLetterRecord[] = [];
  for (const source of streams) {
    records.push(
      ...(await context.admin.listDeadLetters(source, { ...options, limit: options.limit ?? 100 })),
    );
  }
  if (context.json) {
    printJson(
      context.output,
      records.map(({ errorStack: _stack, fields: _fields, ...record }) => record),
    );
    return EXIT.ok;
  }
  const now = Date.now();
  table(
    ['ID', 'STREAM', 'GROUP', 'REASON', 'ATTEMPTS', 'TYPE', 'EVENT ID', 'AGE', 'ERROR'],
    records.map((record) => [
      record.id,
      record.stream,
      record.group,
      record.reason,
      record.attempts,
      record.pattern,
      record.eventId,
      formatAge(now - record.deadLetteredAt),
      `${record.errorClass}: ${record.errorMessage}`.slice(0, 80),
    ]),
  ).forEach((line) => context.output.out(line));
  context.output.out(`${records.length} dead letter(s)`);
  return EXIT.ok;
}

async function show(context: CommandContext, stream: string, id: string): Promise<number> {
  const record = await context.admin.getDeadLetter(stream, id);
  if (!record) {
    throw new CliError(`no dead letter ${id} on ${stream}`, EXIT.notFound);
  }
  if (context.json) {
    printJson(context.output, record);
    return EXIT.ok;
  }
  const { fields, errorStack, ...rest } = record;
  for (const [name, value] of Object.entries(rest)) {
    context.output.out(`${name.padEnd(16)} ${Array.isArray(value) ? value.join(', ') : String(value)}`);
  }
  context.output.out('fields:');
  for (const [name, value] of Object.entries(fields)) {
    context.output.out(`  ${name}: ${value}`);
  }
  if (errorStack) {
    context.output.out(`stack:\n${errorStack}`);
  }
  return EXIT.ok;
}

async function redrive(
  context: CommandContext,
  stream: string,
  ids: string[],
  options: ActionOptions,
): Promise<number> {
  const result = await context.admin.redrive(stream, {
    ...options,
    ids,
    dryRun: options.dryRun,
    ratePerSecond: options.rate,
  });
  if (context.json) {
    printJson(context.output, result);
  } else {
    const verb = result.dryRun ? 'would redrive' : 'redriven';
    for (const item of result.redriven) {
      context.output.out(`${verb} ${item.deadLetterId} → group ${item.group} (original ${item.originalId})`);
    }
    for (const item of result.skipped) {
      context.output.err(`skipped ${item.deadLetterId}: ${item.why}`);
    }
    context.output.out(`${result.redriven.length} ${verb}, ${result.skipped.length} skipped`);
  }
  return result.skipped.length > 0 && result.redriven.length === 0 ? EXIT.notFound : EXIT.ok;
}

async function purge(
  context: CommandContext,
  stream: string,
  ids: string[],
  options: ActionOptions,
): Promise<number> {
  if (!options.yes) {
    throw new CliError('purge deletes dead letters for good: add --yes to confirm', EXIT.usage);
  }
  const result = await context.admin.purge(stream, { ...options, ids, confirm: true });
  if (context.json) {
    printJson(context.output, result);
  } else {
    context.output.out(`${result.purged} dead letter(s) purged`);
  }
  return EXIT.ok;
}

/** `dlq ls|show|redrive|purge`. */
export const registerDeadLetters: Register = (program, action) => {
  const dlq = program.command('dlq').description('dead letters: list, show, redrive to their group, purge');
  filterOptions(dlq.command('ls').description('list dead letters (all streams when none is named)'))
    .argument('[stream]')
    .action(
      action((context, stream: string | undefined, options: FilterOptions) => list(context, stream, options)),
    );
  dlq
    .command('show')
    .description('one dead letter with its error, stack and original fields')
    .argument('<stream>')
    .argument('<id>', 'dead-letter entry id')
    .action(action((context, stream: string, id: string) => show(context, stream, id)));
  const actionOptions = (command: Command): Command =>
    filterOptions(command)
      .argument('<stream>')
      .argument('[ids...]', 'dead-letter entry ids (or select with filters)')
      .option('--all', 'every record of the stream (when no id or filter is given)')
      .option('--by <who>', 'recorded in the dead-letter log (default user@host)');
  actionOptions(
    dlq.command('redrive').description('send dead letters back to the group they failed in, only that group'),
  )
    .option('--dry-run', 'show what would be redriven; change nothing')
    .addOption(
      new Option('--rate <per-second>', 'most redrives per second (0 = unlimited)')
        .default(100)
        .argParser(parseRate),
    )
    .action(
      action((context, stream: string, ids: string[], options: ActionOptions) =>
        redrive(context, stream, ids, options),
      ),
    );
  actionOptions(dlq.command('purge').description('delete dead letters for good (needs --yes)'))
    .option('--yes', 'confirm the deletion')
    .action(
      action((context, stream: string, ids: string[], options: ActionOptions) =>
        purge(context, stream, ids, options),
      ),
    );
};
