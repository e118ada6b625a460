import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorResult } from '@app/redis-streams';
import {
  DetailedStreamHealth,
  RedisStreamsAdmin,
  StreamBudget,
  StreamSnapshot,
  isEmptyBudget,
} from '@app/redis-streams/admin';
import { StreamsTopology } from '../topology/streams-topology';
import { streamBudgetFrom } from './stream-budget-config';

/** The topology's streams as operators see them (both apps): detailed health, budget check, stats. */
@Injectable()
export class StreamOperations {
  private readonly budget: StreamBudget;

  constructor(
    private readonly admin: RedisStreamsAdmin,
    private readonly topology: StreamsTopology,
    config: ConfigService,
  ) {
    this.budget = streamBudgetFrom(config);
  }

  /** `/health/detailed`: PING latency, per-stream details, budget breaches. Never throws. */
  detailedHealth(): Promise<DetailedStreamHealth> {
    return this.admin.health(this.topology.streams(), { budget: this.budget });
  }

  /** Readiness indicators for the budget (Terminus): none when no HEALTH_MAX_* limit is set. */
  budgetIndicators(): Array<() => Promise<HealthIndicatorResult<'streams'>>> {
    return isEmptyBudget(this.budget)
      ? []
      : [() => this.admin.checkBudget('streams', this.topology.streams(), this.budget)];
  }

  /** Snapshots of the topology's streams (throws when Redis fails). */
  snapshots(): Promise<StreamSnapshot[]> {
    return this.admin.inspect(this.topology.streams());
  }
}
