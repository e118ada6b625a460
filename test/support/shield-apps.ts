import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { EVENT_COUNTS_KEY, SHIELD_TOPOLOGY } from '@app/shield-platform';
import { StreamKeys } from '@app/redis-streams';

/**
 * Every key the two apps can create on the fixed shield topology: both streams, their DLQs and DLQ logs, each group's
 * retry lane, schedule and promoter lease, and the event counts. Files that start the apps own these keys: they delete
 * them before and after (integration files run one at a time, --runInBand).
 */
export const SHIELD_KEYS: readonly string[] = [
  EVENT_COUNTS_KEY,
  ...SHIELD_TOPOLOGY.streams.flatMap(({ name, groups }) => [
    name,
    StreamKeys.deadLetter(name),
    StreamKeys.deadLetterLog(name),
    ...groups.flatMap(({ name: group }) => [
      StreamKeys.retryLane(name, group),
      StreamKeys.retrySchedule(name, group),
      StreamKeys.promoterLease(name, group),
    ]),
  ]),
];

/** The apps' Nest logger in tests: silent unless TEST_LOGS is set. */
export const appLogger = process.env.TEST_LOGS ? (['log', 'warn', 'error'] as const).slice() : false;

/** Listens on a free loopback port; resolves with the base URL. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
