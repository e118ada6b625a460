import { Option } from 'commander';
import { CommandContext, topologyOf, topologyPath } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { printJson, table } from '../output';
import { parseDuration } from '../parse';
import { Register } from '../program';

async function init(context: CommandContext): Promise<number> {
  const topology = await topologyOf(context.config);
  if (!topology) {
    throw new CliError('no topology file: pass --config <file> or set STREAMS_TOPOLOGY', EXIT.usage);
  }
  const result = await context.admin.provision(topology);
  if (context.json) {
    printJson(context.output, { file: topologyPath(context.config), ...result });
    return EXIT.ok;
  }
  for (const { stream, group, start } of result.created) {
    context.output.out(`created  ${stream} / ${group} (from ${start})`);
  }
  for (const { stream, group } of result.existing) {
    context.output.out(`exists   ${stream} / ${group}`);
  }
  context.output.out(`${result.created.length} created, ${result.existing.length} already there`);
  return EXIT.ok;
}

interface TrimCommandOptions {
  dryRun?: boolean;
  minRetention?: number;
}

async function trim(context: CommandContext, named: string[], options: TrimCommandOptions): Promise<number> {
  const topology = named.length > 0 ? undefined : await topologyOf(context.config);
  const streams = named.length > 0 ? named : (topology?.streams ?? (await context.admin.streams()));
  const results = await context.admin.trim(streams, {
    dryRun: options.dryRun,
    minRetentionMs: options.minRetention,
  });
  if (context.json) {
    printJson(context.output, { dryRun: options.dryRun === true, streams: results });
    return EXIT.ok;
  }
  const removed = options.dryRun ? 'WOULD REMOVE' : 'REMOVED';
  table(
    ['STREAM', 'STATUS', 'TRIM BEFORE', removed],
    results.map((result) => [result.stream, result.status, result.trimPoint, result.removed]),
  ).forEach((line) => context.output.out(line));
  return EXIT.ok;
}

/** `init` (apply the topology file) and `trim` (XTRIM MINID behind the slowest group). */
export const registerTopology: Register = (program, action) => {
  program
    .command('init')
    .description('create the streams and groups of the topology file that do not exist yet (idempotent)')
    .action(action((context) => init(context)));
  program
    .command('trim')
    .description(
      'remove entries every group has acknowledged (XTRIM MINID behind the slowest group; never MAXLEN)',
    )
    .argument('[streams...]', 'streams to trim (default: the topology file, else every stream)')
    .option('--dry-run', 'show what would be removed; remove nothing')
    .addOption(
      new Option('--min-retention <duration>', 'keep entries younger than this (e.g. 1d)').argParser(
        parseDuration,
      ),
    )
    .action(action((context, named: string[], options: TrimCommandOptions) => trim(context, named, options)));
};
