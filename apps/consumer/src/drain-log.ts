import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConsumerConfig, consumerConfig } from './config/consumer-config';

/**
 * Says in the log when a signal (SIGTERM from Kubernetes or `docker stop`) starts the drain and how long it took, so
 * `kubectl logs --previous` shows whether a pod drained or was killed at the end of its grace period. Closing the app
 * without a signal (tests, embedding) logs nothing.
 */
@Injectable()
export class DrainLog implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Drain');
  private startedAt: number | undefined;

  constructor(@Inject(consumerConfig.KEY) private readonly config: ConsumerConfig) {}

  /** Runs before the servers close: the drain starts now. */
  beforeApplicationShutdown(signal?: string): void {
    if (signal === undefined) {
      return;
    }
    this.startedAt = Date.now();
    this.logger.log(
      `${signal}: draining: reads stop, in-flight handlers get up to ${this.config.shutdownTimeoutMs} ms, unfinished entries are handed over`,
    );
  }

  /** Runs once the servers and connections are closed. */
  onApplicationShutdown(signal?: string): void {
    if (signal === undefined || this.startedAt === undefined) {
      return;
    }
    this.logger.log(`${signal}: drained in ${Date.now() - this.startedAt} ms, exiting`);
  }
}
