import { Inject, Injectable } from '@nestjs/common';
import { SEED_EVENT_DTOS } from '@app/contracts';
import { ClientRedisStreams } from '@app/redis-streams';
import { PUBLISH_CLIENT } from './publish-client';
import { ValidationProblem } from './validation-problems';

/** A class-validator DTO class a payload is turned into and validated as. */
export type EventDtoClass = new () => object;

/** An allowed event type, where it is written and what its payload must look like. */
export interface PublishableEvent {
  type: string;
  stream: string;
  dto: EventDtoClass;
}

/**
 * The allow-list of `POST /api/v1/events/publish`: seed 002's critical event types with their DTOs, each written to
 * the stream the shared routes give it (the client's own routing: what `emit(type)` writes to). Resolves a request's
 * `stream` and/or `type` to one entry, or says why not.
 */
@Injectable()
export class PublishableEvents {
  private readonly byType = new Map<string, PublishableEvent>();

  constructor(@Inject(PUBLISH_CLIENT) client: ClientRedisStreams) {
    for (const [type, dto] of Object.entries(SEED_EVENT_DTOS)) {
      this.byType.set(type, { type, stream: client.streamFor(type), dto });
    }
  }

  /** The allowed types, in allow-list order. */
  types(): string[] {
    return [...this.byType.keys()];
  }

  /**
   * The event a request means: by `type`, or by `stream` when exactly one allowed type is written there; both given,
   * they must agree. Otherwise the problem (400) to report.
   */
  resolve(stream: string | undefined, type: string | undefined): PublishableEvent | ValidationProblem {
    if (type !== undefined) {
      const event = this.byType.get(type);
      if (!event) {
        return problem('type', 'isAllowedEventType', `type must be one of: ${this.types().join(', ')}`);
      }
      if (stream !== undefined && stream !== event.stream) {
        return problem('stream', 'matchesType', `events of type ${type} are written to ${event.stream}`);
      }
      return event;
    }
    if (stream === undefined) {
      return problem('type', 'streamOrType', 'one of stream or type is required');
    }
    const candidates = [...this.byType.values()].filter((event) => event.stream === stream);
    if (candidates.length === 1) {
      return candidates[0];
    }
    if (candidates.length === 0) {
      const streams = [...new Set([...this.byType.values()].map((event) => event.stream))];
      return problem('stream', 'isAllowedStream', `stream must be one of: ${streams.join(', ')}`);
    }
    return problem('type', 'typeForSharedStream', `stream ${stream} carries several types: give type`);
  }
}

function problem(property: string, constraint: string, message: string): ValidationProblem {
  return { property, constraints: { [constraint]: message } };
}
