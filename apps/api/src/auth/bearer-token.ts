import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A bearer token kept as its SHA-256 digest, compared in constant time: both sides are hashed to 32 bytes before
 * `timingSafeEqual`, so neither the token's content nor its length leaks through the comparison's timing.
 */
export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(token);
  }

  /** True when `authorization` is `Bearer <the token>` (scheme case-insensitive, RFC 6750). */
  matches(authorization: string | undefined): boolean {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    // Compare even when the header is malformed, so a missing token costs the same as a wrong one.
    const given = sha256(match ? match[1] : '');
    return timingSafeEqual(given, this.digest) && match !== null;
  }

  /** True when `token` (given bare, not as a header, e.g. from a WebSocket subprotocol) is the token. */
  equals(token: string | undefined): boolean {
    return timingSafeEqual(sha256(token ?? ''), this.digest) && token !== undefined;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
