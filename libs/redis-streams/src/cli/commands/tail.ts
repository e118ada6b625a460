import { Option } from 'commander';
import { CommandContext } from '../context';
import { EXIT } from '../exit-codes';
import { parseCount } from '../parse';
import { Register } from '../program';

interface TailOptions {
  from: string;
  type?: string[];
  count?: number;
}

async function tail(context: CommandContext, stream: string, options: TailOptions): Promise<number> {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const follower = context.admin.tail({
    stream,
    from: options.from,
    types: options.type?.flatMap((type) => type.split(',')).filter(Boolean),
    signal: abort.signal,
  });
  let printed = 0;
  try {
    for await (const event of follower) {
      if (context.json) {
        context.output.out(JSON.stringify(event));
      } else {
        const flag = event.malformed ? ` [${event.malformed}]` : '';
        context.output.out(
          `${event.id}  ${event.type}  ${event.eventId ?? '-'}${flag}  ${JSON.stringify(event.data)}`,
        );
      }
      if (options.count !== undefined && ++printed >= options.count) {
        break;
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await follower.stop();
  }
  return EXIT.ok;
}

/** `tail <stream>`: follow a stream live (plain XREAD: no group, nothing acknowledged, nobody else affected). */
export const registerTail: Register = (program, action) => {
  program
    .command('tail')
    .description('print the events of a stream as they arrive (no consumer group: changes nothing)')
    .argument('<stream>')
    .option('--from <id>', '$ = only new (default), 0 = from the beginning, or after an entry id', '$')
    .option('--type <types...>', 'only these event types (exact, or prefix*)')
    .addOption(new Option('--count <n>', 'stop after this many events').argParser(parseCount(1)))
    .action(action((context, stream: string, options: TailOptions) => tail(context, stream, options)));
};
