/** The API settings the production rule reads. */
export interface AccessSettings {
  nodeEnv: string | undefined;
  adminToken: string | undefined;
  eventsToken: string | undefined;
}

/** Shortest token accepted when NODE_ENV=production (a guessable token is no better than none). */
export const MIN_PRODUCTION_TOKEN_LENGTH = 16;

/** What each token guards, for the refusal's message. */
const GUARDED = {
  ADMIN_TOKEN: '/dlq shows dead-letter payloads and can redrive or purge them',
  EVENTS_TOKEN: "/events/stream and /events/ws show every event's payload",
} as const;

/**
 * With `NODE_ENV=production` the API must not start while an operation or live-event endpoint would be open to anyone
 * who reaches it: `ADMIN_TOKEN` (`/dlq`) and `EVENTS_TOKEN` (`/events/stream`, `/events/ws`) must be set, each at least
 * {@link MIN_PRODUCTION_TOKEN_LENGTH} characters. Returns the problem naming the variables, or `undefined`. Outside
 * production an unset token leaves its endpoints open, with a warning at start (the guards say so).
 */
export function productionAccessProblem(settings: AccessSettings): string | undefined {
  if (settings.nodeEnv?.trim() !== 'production') {
    return undefined;
  }
  const tokens = { ADMIN_TOKEN: settings.adminToken, EVENTS_TOKEN: settings.eventsToken };
  const missing = (Object.keys(tokens) as Array<keyof typeof tokens>).filter((name) => !tokens[name]);
  if (missing.length > 0) {
    const why = missing.map((name) => GUARDED[name]).join('; ');
    return `NODE_ENV=production requires ${missing.join(' and ')} (unset, ${why} without authentication): set ${missing.length > 1 ? 'them' : 'it'} from a Secret`;
  }
  const short = (Object.keys(tokens) as Array<keyof typeof tokens>).filter(
    (name) => (tokens[name] ?? '').length < MIN_PRODUCTION_TOKEN_LENGTH,
  );
  if (short.length > 0) {
    return `${short.join(' and ')} must be at least ${MIN_PRODUCTION_TOKEN_LENGTH} characters long when NODE_ENV=production`;
  }
  return undefined;
}
