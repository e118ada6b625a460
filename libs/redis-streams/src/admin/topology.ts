import { InvalidOptionsError } from '../errors/redis-streams.error';
import { isGroupStart } from '../wire/entry-ids';

/** A consumer group to provision, and where it starts when it is created. */
export interface GroupTopology {
  name: string;
  /** `0` (everything already in the stream: the default, nothing written before the group existed is skipped),
   * `$` (only entries written from now on) or an entry id. Only used when the group is created. */
  start: string;
}

/** A stream and its groups. */
export interface StreamTopology {
  name: string;
  groups: GroupTopology[];
  /** The janitor keeps entries younger than this even when every group has acknowledged them. */
  minRetentionMs?: number;
  /** Where this stream's dead letters go when its route names it (`deadLetterStream`), else the default one. */
  deadLetterStream?: string;
}

/** Streams and groups that must exist: what `applyTopology` and `nest-redis-streams init` create. */
export interface Topology {
  streams: StreamTopology[];
}

function fail(where: string, message: string): never {
  throw new InvalidOptionsError(`topology: ${where}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function name(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value !== value.trim() || value.length > 512) {
    fail(where, 'a name must be a non-empty string without surrounding spaces');
  }
  return value;
}

function group(raw: unknown, key: string | undefined, where: string): GroupTopology {
  if (typeof raw === 'string' && key === undefined) {
    return { name: name(raw, where), start: '0' };
  }
  const spec = raw ?? {};
  if (!isRecord(spec)) {
    fail(where, 'a group is a name or { name, start }');
  }
  const unknown = Object.keys(spec).filter((field) => !['name', 'start'].includes(field));
  if (unknown.length > 0) {
    fail(where, `unknown field(s) ${unknown.join(', ')}`);
  }
  const start =
    spec.start === undefined ? '0' : typeof spec.start === 'number' ? String(spec.start) : spec.start;
  if (typeof start !== 'string') {
    fail(where, 'start must be a string');
  }
  if (!isGroupStart(start)) {
    fail(where, `start must be "0", "$" or an entry id, not "${start.slice(0, 40)}"`);
  }
  return { name: name(key ?? spec.name, where), start };
}

function stream(raw: unknown, key: string | undefined, where: string): StreamTopology {
  if (!isRecord(raw)) {
    fail(where, 'a stream is { groups, minRetentionMs?, deadLetterStream? }');
  }
  const unknown = Object.keys(raw).filter(
    (field) => !['name', 'groups', 'minRetentionMs', 'deadLetterStream'].includes(field),
  );
  if (unknown.length > 0) {
    fail(where, `unknown field(s) ${unknown.join(', ')}`);
  }
  const streamName = name(key ?? raw.name, where);
  const rawGroups = raw.groups ?? [];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.map((item, i) => group(item, undefined, `${where}.groups[${i}]`))
    : isRecord(rawGroups)
      ? Object.entries(rawGroups).map(([groupName, spec]) =>
          group(spec, groupName, `${where}.groups.${groupName}`),
        )
      : fail(where, 'groups must be a list or a map');
  const seen = new Set<string>();
  for (const { name: groupName } of groups) {
    if (seen.has(groupName)) {
      fail(where, `group ${groupName} is listed twice`);
    }
    seen.add(groupName);
  }
  const retention = raw.minRetentionMs;
  if (
    retention !== undefined &&
    (typeof retention !== 'number' || !Number.isInteger(retention) || retention < 0)
  ) {
    fail(where, 'minRetentionMs must be a whole number of ms ≥ 0');
  }
  const deadLetterStream =
    raw.deadLetterStream === undefined ? undefined : name(raw.deadLetterStream, `${where}.deadLetterStream`);
  if (deadLetterStream === streamName) {
    fail(where, 'deadLetterStream must be another stream than the stream itself');
  }
  return {
    name: streamName,
    groups,
    ...(retention === undefined ? {} : { minRetentionMs: retention }),
    ...(deadLetterStream === undefined ? {} : { deadLetterStream }),
  };
}

/**
 * Checks and normalises a topology as written in a file: `streams` is a map (name → spec) or a list of specs with
 * `name`; `groups` a list of names / `{ name, start }` or a map (name → `{ start }`). Throws InvalidOptionsError
 * naming the offending place.
 */
export function parseTopology(raw: unknown): Topology {
  if (!isRecord(raw) || raw.streams === undefined) {
    fail('root', 'expected { streams: … }');
  }
  const unknown = Object.keys(raw).filter((field) => field !== 'streams');
  if (unknown.length > 0) {
    fail('root', `unknown field(s) ${unknown.join(', ')}`);
  }
  const streams = Array.isArray(raw.streams)
    ? raw.streams.map((item, i) => stream(item, undefined, `streams[${i}]`))
    : isRecord(raw.streams)
      ? Object.entries(raw.streams).map(([key, spec]) => stream(spec ?? {}, key, `streams.${key}`))
      : fail('streams', 'must be a list or a map');
  const seen = new Set<string>();
  for (const { name: streamName } of streams) {
    if (seen.has(streamName)) {
      fail('streams', `${streamName} is listed twice`);
    }
    seen.add(streamName);
  }
  const deadLetters = new Set<string>();
  for (const { name: streamName, deadLetterStream } of streams) {
    if (deadLetterStream !== undefined && (seen.has(deadLetterStream) || deadLetters.has(deadLetterStream))) {
      fail(`streams.${streamName}`, `deadLetterStream ${deadLetterStream} is also another stream's`);
    }
    if (deadLetterStream !== undefined) {
      deadLetters.add(deadLetterStream);
    }
  }
  return { streams };
}

/** Stream → dead-letter stream of the streams whose topology names one (the admin's `deadLetterStreams`). */
export function deadLetterStreamsOf(topology: Topology | undefined): Record<string, string> {
  const named: Record<string, string> = {};
  for (const { name: streamName, deadLetterStream } of topology?.streams ?? []) {
    if (deadLetterStream !== undefined) {
      named[streamName] = deadLetterStream;
    }
  }
  return named;
}
