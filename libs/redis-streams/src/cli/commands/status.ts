import { Option } from 'commander';
import { StreamSnapshot } from '../../admin/stream-inspector';
import { budgetBreaches, describeBreach } from '../../health/stream-budget';
import { CommandContext, streamsFor } from '../context';
import { EXIT } from '../exit-codes';
import { formatAge, printJson, table } from '../output';
import { parseCount, parseDuration } from '../parse';
import { Register } from '../program';

interface StatusOptions {
  check?: boolean;
  maxBacklog?: number;
  maxPendingAge?: number;
  maxDlq?: number;
}

function rows(snapshots: StreamSnapshot[]): Array<Array<string | number | null>> {
  return snapshots.flatMap((snapshot) => {
    const length = snapshot.exists ? snapshot.length : null;
    if (snapshot.groups.length === 0) {
      return [
        [snapshot.stream, length, '(no groups)', null, null, null, null, null, null, snapshot.deadLetters],
      ];
    }
    return snapshot.groups.map((group) => [
      snapshot.stream,
      length,
      group.name,
      group.consumers,
      group.pending,
      group.lag,
      group.scheduledRetries,
      group.backlog,
      formatAge(group.oldestPendingAgeMs),
      snapshot.deadLetters,
    ]);
  });
}

async function status(context: CommandContext, named: string[], options: StatusOptions): Promise<number> {
  const snapshots = await context.admin.inspect(await streamsFor(context, named));
  const found = options.check
    ? budgetBreaches(snapshots, {
        maxBacklog: options.maxBacklog,
        maxOldestPendingAgeMs: options.maxPendingAge,
        maxDeadLetters: options.maxDlq,
        requireActiveConsumers: true,
      })
    : [];
  if (context.json) {
    printJson(context.output, { streams: snapshots, ...(options.check ? { breaches: found } : {}) });
  } else {
    const headers = ['STREAM', 'LENGTH', 'GROUP', 'CONSUMERS', 'PENDING', 'LAG', 'RETRIES', 'BACKLOG'];
    table([...headers, 'OLDEST PENDING', 'DLQ'], rows(snapshots)).forEach((line) => context.output.out(line));
    if (snapshots.length === 0) {
      context.output.out('(no streams)');
    }
  }
  if (options.check) {
    for (const breach of found) {
      context.output.err(`check failed: ${describeBreach(breach)}`);
    }
    return found.length > 0 ? EXIT.checkFailed : EXIT.ok;
  }
  return EXIT.ok;
}

/** `status [streams...]`: the table operators look at first; `--check` turns it into an alert. */
export const registerStatus: Register = (program, action) => {
  program
    .command('status')
    .description(
      'streams, groups, consumers, pending, lag, scheduled retries, backlog, oldest pending age, DLQ',
    )
    .argument('[streams...]', 'streams to show (default: the topology file, else every stream)')
    .option(
      '--check',
      `exit ${EXIT.checkFailed} when a threshold is exceeded or a group with backlog has no consumer`,
    )
    .addOption(
      new Option('--max-backlog <n>', 'with --check: most backlog per group').argParser(parseCount(0)),
    )
    .addOption(
      new Option('--max-pending-age <duration>', 'with --check: oldest pending entry (e.g. 5m)').argParser(
        parseDuration,
      ),
    )
    .addOption(
      new Option('--max-dlq <n>', 'with --check: most dead letters per stream').argParser(parseCount(0)),
    )
    .action(action((context, named: string[], options: StatusOptions) => status(context, named, options)));
};
