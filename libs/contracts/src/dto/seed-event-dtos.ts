import { ActionCorrectedDto } from './action-corrected.dto';
import { ActionValidatedDto } from './action-validated.dto';
import { DocumentProcessedDto } from './document-processed.dto';
import { EmailReceivedDto } from './email-received.dto';
import { PipelineErrorDto } from './pipeline-error.dto';
import { ServiceDownDto } from './service-down.dto';
import { TrustLevelChangedDto } from './trust-level-changed.dto';

/**
 * Seed 002's critical (durable) event types and the DTO each one's payload is validated with. The informational
 * ones (`agent.completed`, `file.uploaded`, pub/sub) are not listed.
 */
export const SEED_EVENT_DTOS = Object.freeze({
  'email.received': EmailReceivedDto,
  'document.processed': DocumentProcessedDto,
  'pipeline.error': PipelineErrorDto,
  'service.down': ServiceDownDto,
  'trust.level.changed': TrustLevelChangedDto,
  'action.corrected': ActionCorrectedDto,
  'action.validated': ActionValidatedDto,
});

/** A seed-002 critical event type (a key of {@link SEED_EVENT_DTOS}). */
export type SeedEventType = keyof typeof SEED_EVENT_DTOS;
