import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { EVENTS_CONFIG, EventsConfig } from './events.config';

/** Every live stream slot is taken: a 503 with `Retry-After` (SSE) or a 1013 close (WebSocket). */
export class TooManyStreamsError extends Error {
  constructor(readonly limit: number) {
    super(`too many live event streams open (limit ${limit}); try again later`);
  }
}

/**
 * The one counter of open live streams, SSE and WebSocket together: bounds them (`EVENTS_MAX_STREAMS`) and closes
 * those still open when the app shuts down (an open SSE response would otherwise hold the HTTP server's close).
 */
@Injectable()
export class OpenStreams implements OnModuleDestroy {
  private readonly closers = new Set<() => Promise<void>>();

  constructor(@Inject(EVENTS_CONFIG) private readonly config: EventsConfig) {}

  /** Streams open now. */
  get count(): number {
    return this.closers.size;
  }

  /**
   * Takes a slot, or throws {@link TooManyStreamsError}. `closeAtShutdown` ends the stream if the app shuts down
   * first. Returns the release, to call once the stream is over (idempotent).
   */
  acquire(closeAtShutdown: () => Promise<void>): () => void {
    if (this.closers.size >= this.config.maxStreams) {
      throw new TooManyStreamsError(this.config.maxStreams);
    }
    const closer = (): Promise<void> => closeAtShutdown();
    this.closers.add(closer);
    return () => {
      this.closers.delete(closer);
    };
  }

  /** Closes every stream still open. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.closers].map((close) => close()));
  }
}
