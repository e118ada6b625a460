import { Inject, Injectable, PayloadTooLargeException, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ValidatorOptions, validate } from 'class-validator';
import { PublishEventBodyDto } from './publish-event-body.dto';
import { PublishRequest } from './publish-request';
import { PUBLISH_SETTINGS, PublishSettings } from './publish-settings';
import { PublishableEvents } from './publishable-events';
import { badPublishRequest, validationProblems } from './validation-problems';

const STRICT: ValidatorOptions = { whitelist: true, forbidNonWhitelisted: true };

/**
 * Turns the body of `POST /api/v1/events/publish` into a {@link PublishRequest}, in this order: a payload whose JSON
 * is over `PUBLISH_MAX_PAYLOAD_BYTES` → 413; a body that breaks {@link PublishEventBodyDto}, a type or stream not on
 * the allow-list, or a payload its type's DTO refuses → 400 listing the broken constraints. Nothing is written
 * before this passes.
 */
@Injectable()
export class PublishRequestPipe implements PipeTransform<unknown, Promise<PublishRequest>> {
  constructor(
    private readonly events: PublishableEvents,
    @Inject(PUBLISH_SETTINGS) private readonly settings: PublishSettings,
  ) {}

  async transform(body: unknown): Promise<PublishRequest> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw badPublishRequest([
        { property: 'body', constraints: { isObject: 'the body must be a JSON object' } },
      ]);
    }
    this.checkPayloadSize((body as { payload?: unknown }).payload);

    const envelope = plainToInstance(PublishEventBodyDto, body);
    const envelopeErrors = await validate(envelope, STRICT);
    if (envelopeErrors.length > 0) {
      throw badPublishRequest(validationProblems(envelopeErrors));
    }
    const event = this.events.resolve(envelope.stream, envelope.type);
    if (!('dto' in event)) {
      throw badPublishRequest([event]);
    }
    // The payload as sent: the DTO instance only validates it (unknown keys are refused, so nothing is stripped).
    const payload = (body as { payload: Record<string, unknown> }).payload;
    const payloadErrors = await validate(plainToInstance(event.dto, payload), STRICT);
    if (payloadErrors.length > 0) {
      throw badPublishRequest(validationProblems(payloadErrors, 'payload.'));
    }
    return { type: event.type, stream: event.stream, payload, eventId: envelope.event_id };
  }

  private checkPayloadSize(payload: unknown): void {
    const json = payload === undefined ? undefined : JSON.stringify(payload);
    const bytes = json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
    if (bytes > this.settings.maxPayloadBytes) {
      throw new PayloadTooLargeException(
        `payload is ${bytes} bytes of JSON; at most ${this.settings.maxPayloadBytes} are accepted`,
      );
    }
  }
}
