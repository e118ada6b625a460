import {
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RedisStreamsAdmin, loadTopology } from '@app/redis-streams/admin';
import { StreamOperations } from '../operations/stream-operations.service';
import { SHIELD_TOPOLOGY } from './shield-topology';
import { StreamsTopology } from './streams-topology';

const RETRY_MS = 5000;

/**
 * Applies the topology at start (idempotent: existing groups are never moved). If Redis is not there yet the app
 * still starts, and the provisioning is retried every few seconds until it succeeds.
 */
@Injectable()
class TopologyProvisioner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StreamsTopology');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly admin: RedisStreamsAdmin,
    private readonly topology: StreamsTopology,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.apply();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async apply(): Promise<void> {
    try {
      const result = await this.admin.provision(this.topology.topology);
      for (const { stream, group, start } of result.created) {
        this.logger.log(`created group ${group} on ${stream} (from ${start})`);
      }
    } catch (error) {
      this.logger.warn(`topology not applied yet (${(error as Error).message}); retrying in ${RETRY_MS} ms`);
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.apply(), RETRY_MS);
        this.timer.unref();
      }
    }
  }
}

/** Provides {@link StreamsTopology} (applied at start) and {@link StreamOperations}. Needs ShieldRedisModule and a global ConfigModule. */
@Global()
@Module({
  providers: [
    {
      provide: StreamsTopology,
      inject: [ConfigService],
      useFactory: async (config: ConfigService) => {
        const file = config.get<string>('STREAMS_TOPOLOGY');
        return new StreamsTopology(file ? await loadTopology(file) : SHIELD_TOPOLOGY);
      },
    },
    TopologyProvisioner,
    StreamOperations,
  ],
  exports: [StreamsTopology, StreamOperations],
})
export class StreamsTopologyModule {}
