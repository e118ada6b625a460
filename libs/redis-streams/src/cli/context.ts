import { existsSync } from 'node:fs';
import { RedisStreamsAdmin } from '../admin/redis-streams-admin';
import { Topology } from '../admin/topology';
import { loadTopology } from '../admin/topology-file';
import { Output } from './output';

/** Options every command accepts. */
export interface GlobalOptions {
  url?: string;
  json?: boolean;
  config?: string;
}

/** What a command's action gets. */
export interface CommandContext {
  admin: RedisStreamsAdmin;
  output: Output;
  json: boolean;
  config: string | undefined;
}

/** Where a command's action starts: connected, with the global options read. Returns the exit code. */
export type CommandAction<Args extends unknown[]> = (
  context: CommandContext,
  ...args: Args
) => Promise<number>;

const DEFAULT_TOPOLOGY_FILES = ['streams.yaml', 'streams.yml', 'streams.json', 'config/streams.yaml'];

/** The topology file to use: `--config`, else `STREAMS_TOPOLOGY` (unless empty), else the first default file present. */
export function topologyPath(config: string | undefined): string | undefined {
  const fromEnv = process.env.STREAMS_TOPOLOGY === '' ? undefined : process.env.STREAMS_TOPOLOGY;
  return config ?? fromEnv ?? DEFAULT_TOPOLOGY_FILES.find((file) => existsSync(file));
}

/** The topology file's content, or undefined when there is none. */
export async function topologyOf(config: string | undefined): Promise<Topology | undefined> {
  const path = topologyPath(config);
  return path === undefined ? undefined : loadTopology(path);
}

/** The streams a command looks at: the ones named, else the topology file's, else every stream in Redis. */
export async function streamsFor(context: CommandContext, named: string[]): Promise<string[]> {
  if (named.length > 0) {
    return named;
  }
  const topology = await topologyOf(context.config);
  return topology ? topology.streams.map((stream) => stream.name) : context.admin.streams();
}
