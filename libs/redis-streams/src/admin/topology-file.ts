import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { Topology, parseTopology } from './topology';

/** Reads a topology file: YAML or JSON (JSON is YAML), checked by {@link parseTopology}. */
export async function loadTopology(path: string): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidOptionsError(`cannot read topology file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw new InvalidOptionsError(
      `${path} is not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return parseTopology(raw);
}
