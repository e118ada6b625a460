import type { IncomingMessage } from 'node:http';
import { BearerToken } from '../auth/bearer-token';
import {
  BEARER_PROTOCOL_PREFIX,
  EVENTS_WS_PROTOCOL,
  selectProtocol,
  tokenOfProtocols,
  upgradeAuthorized,
} from './events-ws-auth';

const TOKEN = 'events-token/with+chars=';
const encoded = Buffer.from(TOKEN, 'utf8').toString('base64url');

function upgrade(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('the /events/ws token', () => {
  it('is read from the base64url.bearer.<token> subprotocol, the way a browser can send it', () => {
    expect(tokenOfProtocols([EVENTS_WS_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${encoded}`])).toBe(TOKEN);
    expect(tokenOfProtocols([EVENTS_WS_PROTOCOL])).toBeUndefined();
    expect(tokenOfProtocols([`${BEARER_PROTOCOL_PREFIX}not=base64url`])).toBeUndefined();
  });

  it('authorizes an upgrade by the Authorization header or the subprotocol, nothing else', () => {
    const token = new BearerToken(TOKEN);
    expect(upgradeAuthorized(token, upgrade({ authorization: `Bearer ${TOKEN}` }))).toBe(true);
    expect(
      upgradeAuthorized(
        token,
        upgrade({ 'sec-websocket-protocol': `${EVENTS_WS_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${encoded}` }),
      ),
    ).toBe(true);
    expect(upgradeAuthorized(token, upgrade({}))).toBe(false);
    expect(upgradeAuthorized(token, upgrade({ authorization: 'Bearer wrong' }))).toBe(false);
    const wrong = Buffer.from('wrong').toString('base64url');
    expect(
      upgradeAuthorized(token, upgrade({ 'sec-websocket-protocol': `${BEARER_PROTOCOL_PREFIX}${wrong}` })),
    ).toBe(false);
  });

  it('answers the non-token subprotocol, never echoing the token', () => {
    expect(selectProtocol(new Set([`${BEARER_PROTOCOL_PREFIX}${encoded}`, EVENTS_WS_PROTOCOL]))).toBe(
      EVENTS_WS_PROTOCOL,
    );
    expect(selectProtocol(new Set([`${BEARER_PROTOCOL_PREFIX}${encoded}`]))).toBe(false);
    expect(selectProtocol(new Set(['chat']))).toBe('chat');
  });
});
