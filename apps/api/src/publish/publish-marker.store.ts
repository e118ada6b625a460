import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS } from '@app/shield-platform';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { CLAIM_MARKER_LUA, COMMIT_MARKER_LUA, RELEASE_MARKER_LUA } from './publish-marker.lua';

/** Prefix of the markers' keys (`<prefix><sha256 of [stream, event_id]>`). */
export const PUBLISH_MARKER_PREFIX = 'shield:publish:event_id:';

type MarkerCommand = (key: string, ...args: string[]) => Promise<unknown>;

/** ioredis command names of the marker scripts (defined on the shared connection, run with EVALSHA). */
const COMMANDS = {
  claim: { name: 'shieldPublishMarkerClaim', lua: CLAIM_MARKER_LUA },
  commit: { name: 'shieldPublishMarkerCommit', lua: COMMIT_MARKER_LUA },
  release: { name: 'shieldPublishMarkerRelease', lua: RELEASE_MARKER_LUA },
} as const;

/** What a claim found. */
export type MarkerClaim =
  /** The marker is the caller's now: write the entry, then {@link PublishMarkerStore.commit} (or release). */
  | { kind: 'claimed'; token: string }
  /** Another request holds it and has not recorded an entry yet. */
  | { kind: 'pending'; fingerprint: string }
  /** An entry was written for this event_id within the window. */
  | { kind: 'done'; fingerprint: string; id: string; stream: string };

/**
 * The `event_id` markers of HTTP publishes, one Redis hash per (stream, event_id) on the app's shared command
 * connection, each step one Lua script (see publish-marker.lua.ts).
 */
@Injectable()
export class PublishMarkerStore {
  private readonly claimCommand: MarkerCommand;
  private readonly commitCommand: MarkerCommand;
  private readonly releaseCommand: MarkerCommand;

  /** @param redis a command connection (not one used for blocking reads); the store does not close it. */
  constructor(@Inject(SHIELD_REDIS) redis: RedisConnection) {
    this.claimCommand = defineMarkerCommand(redis, COMMANDS.claim);
    this.commitCommand = defineMarkerCommand(redis, COMMANDS.commit);
    this.releaseCommand = defineMarkerCommand(redis, COMMANDS.release);
  }

  /** The marker's key: a digest, so any stream name and event_id make one unambiguous key. */
  static key(stream: string, eventId: string): string {
    const digest = createHash('sha256')
      .update(JSON.stringify([stream, eventId]), 'utf8')
      .digest('hex');
    return `${PUBLISH_MARKER_PREFIX}${digest}`;
  }

  /** Claims the marker for `leaseMs`, or reports the one that exists. */
  async claim(stream: string, eventId: string, fingerprint: string, leaseMs: number): Promise<MarkerClaim> {
    const token = randomUUID();
    const reply = await this.claimCommand(
      PublishMarkerStore.key(stream, eventId),
      token,
      fingerprint,
      String(leaseMs),
      eventId,
    );
    if (!Array.isArray(reply) || !reply.every((item) => typeof item === 'string')) {
      throw new Error('the publish marker claim returned an unexpected reply');
    }
    const [state, fp = '', id = '', markerStream = ''] = reply;
    if (state === 'claimed') {
      return { kind: 'claimed', token };
    }
    if (state === 'done') {
      return { kind: 'done', fingerprint: fp, id, stream: markerStream };
    }
    return { kind: 'pending', fingerprint: fp };
  }

  /** Records the written entry for `windowMs`; false when the marker was no longer the caller's. */
  async commit(
    stream: string,
    eventId: string,
    token: string,
    id: string,
    windowMs: number,
  ): Promise<boolean> {
    const reply = await this.commitCommand(
      PublishMarkerStore.key(stream, eventId),
      token,
      id,
      stream,
      String(windowMs),
    );
    return reply === 1;
  }

  /** Deletes the caller's marker (nothing was written); false when it was no longer the caller's. */
  async release(stream: string, eventId: string, token: string): Promise<boolean> {
    const reply = await this.releaseCommand(PublishMarkerStore.key(stream, eventId), token);
    return reply === 1;
  }
}

function defineMarkerCommand(redis: RedisConnection, command: { name: string; lua: string }): MarkerCommand {
  redis.defineCommand(command.name, { numberOfKeys: 1, lua: command.lua });
  const defined = (redis as unknown as Record<string, unknown>)[command.name];
  if (typeof defined !== 'function') {
    throw new Error(`ioredis did not define ${command.name}`);
  }
  return (defined as MarkerCommand).bind(redis);
}
