import type { IncomingMessage } from 'node:http';
import { BearerToken } from '../auth/bearer-token';

/**
 * The subprotocol a browser offers with its token (browsers cannot set `Authorization` on a WebSocket; they can offer
 * subprotocols): `new WebSocket(url, [EVENTS_WS_PROTOCOL, 'base64url.bearer.' + base64url(token)])`. The server
 * answers with {@link EVENTS_WS_PROTOCOL}, never with the token.
 */
export const EVENTS_WS_PROTOCOL = 'nest-redis-streams.events';

/** Prefix of the subprotocol carrying the token, base64url-encoded (subprotocols allow only token characters). */
export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.';

/** The token of a `base64url.bearer.<token>` subprotocol among `protocols`, decoded; `undefined` if none. */
export function tokenOfProtocols(protocols: Iterable<string>): string | undefined {
  for (const protocol of protocols) {
    if (protocol.startsWith(BEARER_PROTOCOL_PREFIX)) {
      const encoded = protocol.slice(BEARER_PROTOCOL_PREFIX.length);
      return /^[A-Za-z0-9_-]+$/.test(encoded)
        ? Buffer.from(encoded, 'base64url').toString('utf8')
        : undefined;
    }
  }
  return undefined;
}

/** The subprotocols a client offered (`Sec-WebSocket-Protocol`, comma-separated). */
export function offeredProtocols(request: IncomingMessage): string[] {
  return (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol.length > 0);
}

/**
 * True when the upgrade request carries the token: `Authorization: Bearer <token>` (tools, servers) or the
 * `base64url.bearer.<token>` subprotocol (browsers). A query-string token is not accepted: URLs end up in access logs.
 */
export function upgradeAuthorized(token: BearerToken, request: IncomingMessage): boolean {
  const fromHeader = token.matches(request.headers.authorization);
  const fromProtocol = token.equals(tokenOfProtocols(offeredProtocols(request)));
  return fromHeader || fromProtocol;
}

/**
 * The subprotocol the server answers with: the first one offered that is not the token (a browser that offered
 * subprotocols fails the connection unless one is answered; answering the token would echo it back), else none.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  for (const protocol of protocols) {
    if (!protocol.startsWith(BEARER_PROTOCOL_PREFIX)) {
      return protocol;
    }
  }
  return false;
}
