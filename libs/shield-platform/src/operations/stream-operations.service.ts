import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  DetailedStreamHealth,
  HealthIndicatorResult,
  StreamBudget,
  StreamSnapshot,
  detailedStreamHealth,
  inspectStreams,
  isEmptyBudget,
  streamBudgetCheck,
} from '@app/redis-streams';
import type { Redis } from 'ioredis';
import { SHIELD_REDIS } from '../redis/shield-redis.module';
import { StreamsTopology } from '../topology/streams-topology';
import { streamBudgetFrom } from './stream-budget-config';

/** The topology's streams as operators see them (both apps): detailed health, budget check, stats. */
@Injectable()
export class StreamOperations {
  private readonly budget: StreamBudget;

  constructor(
    @Inject(SHIELD_REDIS) private readonly redis: Redis,
    private readonly topology: StreamsTopology,
    config: ConfigService,
  ) {
    this.budget = streamBudgetFrom(config);
  }

  /** `/health/detailed`: PING latency, per-stream details, budget breaches. Never throws. */
  detailedHealth(): Promise<DetailedStreamHealth> {
    return detailedStreamHealth(this.redis, this.topology.streams(), { budget: this.budget });
  }

  /** Readiness indicators for the budget (Terminus): none when no HEALTH_MAX_* limit is set. */
  budgetIndicators(): Array<() => Promise<HealthIndicatorResult<'streams'>>> {
    return isEmptyBudget(this.budget)
      ? []
      : [() => streamBudgetCheck('streams', this.redis, this.topology.streams(), this.budget)];
  }

  /** Snapshots of the topology's streams (throws when Redis fails). */
  snapshots(): Promise<StreamSnapshot[]> {
    return inspectStreams(this.redis, this.topology.streams());
  }
}
