import { Logger } from '@nestjs/common';
import { PublishSettings } from './publish-settings';

const ENDPOINT = 'POST /api/v1/events/publish';

/**
 * Says at start who may publish over HTTP — loudly when nobody can (no token) or everybody can (PUBLISH_OPEN=true).
 * Never logs the token.
 */
export function announcePublishAccess(settings: PublishSettings, logger = new Logger('HttpPublish')): void {
  switch (settings.access.mode) {
    case 'token':
      logger.log(`${ENDPOINT} requires Authorization: Bearer <PUBLISH_TOKEN>`);
      if (settings.openIgnored) {
        logger.warn('PUBLISH_OPEN=true is ignored because PUBLISH_TOKEN is set');
      }
      return;
    case 'open':
      logger.warn(
        `!!! PUBLISH_OPEN=true and no PUBLISH_TOKEN: ${ENDPOINT} accepts events from ANYONE, without ` +
          'authentication. For development only: set PUBLISH_TOKEN anywhere else. !!!',
      );
      return;
    case 'closed':
      logger.error(
        `PUBLISH_TOKEN is not set: ${ENDPOINT} refuses every request (503). Set PUBLISH_TOKEN ` +
          '(or PUBLISH_OPEN=true for development only).',
      );
      return;
  }
}
