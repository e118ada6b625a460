import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { StreamsTopology } from '@app/shield-platform';
import { describeError } from '@app/redis-streams';
import { RedisStreamsAdmin, TrimResult } from '@app/redis-streams/admin';

/** Janitor settings from the environment. */
export interface JanitorConfig {
  /** `JANITOR_INTERVAL_MS`, default 5 min; 0 turns the janitor off. */
  intervalMs: number;
  /** `JANITOR_MIN_RETENTION_MS`, default 1 h: acknowledged entries younger than this stay (SSE replay, debugging). */
  minRetentionMs: number;
}

function whole(config: ConfigService, name: string, fallback: number): number {
  const raw = config.get<string>(name);
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(String(raw).trim())) {
    throw new Error(`${name} must be a whole number of ms ≥ 0`);
  }
  return Number(raw);
}

/** Reads {@link JanitorConfig}. */
export function janitorConfigFrom(config: ConfigService): JanitorConfig {
  return {
    intervalMs: whole(config, 'JANITOR_INTERVAL_MS', 300_000),
    minRetentionMs: whole(config, 'JANITOR_MIN_RETENTION_MS', 3_600_000),
  };
}

/**
 * Trims the topology's streams every `intervalMs` with XTRIM MINID behind the slowest group (never MAXLEN: nothing a
 * group has not read or acknowledged is removed). Every consumer pod may run it: the trim is atomic and idempotent.
 */
@Injectable()
export class StreamJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StreamJanitor');
  private readonly config: JanitorConfig;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly admin: RedisStreamsAdmin,
    private readonly topology: StreamsTopology,
    config: ConfigService,
  ) {
    this.config = janitorConfigFrom(config);
  }

  onApplicationBootstrap(): void {
    if (this.config.intervalMs > 0) {
      this.timer = setInterval(() => void this.sweep(), this.config.intervalMs);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over every stream; logs what was removed, never throws. */
  async sweep(): Promise<TrimResult[]> {
    try {
      const streams = this.topology.topology.streams.map((stream) => ({
        name: stream.name,
        minRetentionMs: stream.minRetentionMs ?? this.config.minRetentionMs,
      }));
      const results = await this.admin.trim(streams);
      for (const result of results.filter((item) => item.removed > 0)) {
        this.logger.log(
          `${result.stream}: trimmed ${result.removed} acknowledged entries before ${result.trimPoint}`,
        );
      }
      return results;
    } catch (error) {
      this.logger.warn(`trim skipped: ${describeError(error)}`);
      return [];
    }
  }
}
