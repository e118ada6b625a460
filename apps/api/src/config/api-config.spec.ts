import { DEFAULT_REDIS_URL } from '@app/redis-streams';
import { InvalidEnvironmentError, describeEnv } from '@app/shield-platform/config/parse-env';
import { readmeConfigTable } from '../../../../test/support/readme-config-table';
import { EVENTS_DEFAULTS, eventsConfigFrom } from '../events/events.config';
import { API_ENV, loadApiConfig } from './api-config';

describe('the API config', () => {
  it("defaults are today's behaviour: port 3000, the local Redis, the events module's defaults", () => {
    expect(loadApiConfig({})).toEqual({
      redisUrl: DEFAULT_REDIS_URL,
      topologyFile: undefined,
      healthMaxLag: undefined,
      healthMaxBacklog: undefined,
      healthMaxPendingAgeMs: undefined,
      healthMaxDeadLetters: undefined,
      port: 3000,
      nodeEnv: undefined,
      adminToken: undefined,
      eventsToken: undefined,
      eventsStreams: EVENTS_DEFAULTS.streams,
      eventsHeartbeatMs: EVENTS_DEFAULTS.heartbeatMs,
      eventsMaxStreams: EVENTS_DEFAULTS.maxStreams,
    });
  });

  it('reads the values', () => {
    expect(
      loadApiConfig({
        PORT: '8080',
        ADMIN_TOKEN: 't0ken',
        EVENTS_STREAMS: 'a, b',
        STREAMS_TOPOLOGY: 'config/other.yaml',
        HEALTH_MAX_DEAD_LETTERS: '0',
      }),
    ).toMatchObject({
      port: 8080,
      adminToken: 't0ken',
      eventsStreams: ['a', 'b'],
      topologyFile: 'config/other.yaml',
      healthMaxDeadLetters: 0,
    });
  });

  it.each([
    ['PORT', 'http', 'PORT must be an integer from 0 to 65535, got "http"'],
    ['EVENTS_HEARTBEAT_MS', '5', 'EVENTS_HEARTBEAT_MS must be an integer from 10 to 3600000, got "5"'],
    ['EVENTS_MAX_STREAMS', 'many', 'EVENTS_MAX_STREAMS must be an integer from 1 to 100000, got "many"'],
    ['HEALTH_MAX_LAG', '-1', 'HEALTH_MAX_LAG must be an integer from 0 to 9007199254740991, got "-1"'],
  ])('refuses %s=%p with an error naming it', (name, value, message) => {
    const load = (): unknown => loadApiConfig({ [name]: value });
    expect(load).toThrow(InvalidEnvironmentError);
    expect(load).toThrow(`invalid environment: ${message}`);
  });

  it('refuses REDIS_TLS_* the app cannot use, naming the variable (rules across variables, after the others)', () => {
    expect(() => loadApiConfig({ REDIS_TLS_CA_FILE: __filename })).toThrow(
      'invalid environment: REDIS_TLS_CA_FILE is set but REDIS_URL is not rediss://, rediss+sentinel:// or rediss+cluster:// (got "redis://127.0.0.1:6379")',
    );
    expect(() => loadApiConfig({ REDIS_URL: 'rediss://h:6380', REDIS_TLS_CERT_FILE: __filename })).toThrow(
      'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together: give both or neither',
    );
    expect(loadApiConfig({ REDIS_URL: 'rediss://h:6380', REDIS_TLS_CA_FILE: __filename })).toMatchObject({
      redisTlsCaFile: __filename,
    });
  });

  it('with NODE_ENV=production, refuses to start while /dlq or the live-event endpoints would be open, naming them', () => {
    const strong = { ADMIN_TOKEN: 'a'.repeat(16), EVENTS_TOKEN: 'e'.repeat(16) };
    expect(() => loadApiConfig({ NODE_ENV: 'production' })).toThrow(
      'invalid environment: NODE_ENV=production requires ADMIN_TOKEN and EVENTS_TOKEN (unset, /dlq shows',
    );
    expect(() => loadApiConfig({ NODE_ENV: 'production', ADMIN_TOKEN: strong.ADMIN_TOKEN })).toThrow(
      /NODE_ENV=production requires EVENTS_TOKEN \(unset, \/events\/stream and \/events\/ws show/,
    );
    expect(() => loadApiConfig({ NODE_ENV: 'production', EVENTS_TOKEN: strong.EVENTS_TOKEN })).toThrow(
      'NODE_ENV=production requires ADMIN_TOKEN (unset',
    );
    expect(() => loadApiConfig({ NODE_ENV: 'production', ...strong, ADMIN_TOKEN: 'short' })).toThrow(
      'ADMIN_TOKEN must be at least 16 characters long when NODE_ENV=production',
    );
    expect(loadApiConfig({ NODE_ENV: 'production', ...strong })).toMatchObject({
      nodeEnv: 'production',
      adminToken: strong.ADMIN_TOKEN,
      eventsToken: strong.EVENTS_TOKEN,
    });
    // Outside production an unset or short token is allowed (the endpoints warn at start), as before.
    expect(loadApiConfig({ NODE_ENV: 'development', ADMIN_TOKEN: 'x' })).toMatchObject({
      eventsToken: undefined,
    });
  });

  it('refuses an EVENTS_TOKEN with whitespace (it could never match a Bearer header)', () => {
    expect(() => loadApiConfig({ EVENTS_TOKEN: 'two words' })).toThrow(
      'invalid environment: EVENTS_TOKEN must not contain whitespace',
    );
  });

  it('accepts and refuses the EVENTS_* values the events module does (same bounds)', () => {
    for (const [name, value] of [
      ['EVENTS_HEARTBEAT_MS', '10'],
      ['EVENTS_HEARTBEAT_MS', '9'],
      ['EVENTS_HEARTBEAT_MS', '3600001'],
      ['EVENTS_MAX_STREAMS', '100000'],
      ['EVENTS_MAX_STREAMS', '100001'],
      ['EVENTS_MAX_STREAMS', '0'],
    ]) {
      const events = (): unknown => eventsConfigFrom((key) => (key === name ? value : undefined));
      const api = (): unknown => loadApiConfig({ [name]: value });
      let eventsOk = true;
      try {
        events();
      } catch {
        eventsOk = false;
      }
      if (eventsOk) {
        expect(api).not.toThrow();
      } else {
        expect(api).toThrow(name);
      }
    }
  });

  it("the README's configuration table documents every variable, with its default and this app", () => {
    const table = readmeConfigTable();
    for (const { name, defaultText } of describeEnv(API_ENV)) {
      const row = table.get(name);
      expect({ name, documented: row !== undefined }).toEqual({ name, documented: true });
      expect({ name, default: row?.default }).toEqual({ name, default: defaultText });
      expect(row?.meaning).not.toBe('');
      expect(row?.app).toMatch(/API|both/);
    }
  });
});
