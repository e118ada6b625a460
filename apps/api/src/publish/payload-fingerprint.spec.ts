import { payloadFingerprint } from './payload-fingerprint';

describe('payloadFingerprint', () => {
  it('ignores key order at every level', () => {
    expect(payloadFingerprint('t', { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      payloadFingerprint('t', { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
  });

  it('tells apart types, values, array order and nesting', () => {
    const base = payloadFingerprint('t', { a: 1, b: [1, 2] });
    expect(payloadFingerprint('u', { a: 1, b: [1, 2] })).not.toBe(base);
    expect(payloadFingerprint('t', { a: '1', b: [1, 2] })).not.toBe(base);
    expect(payloadFingerprint('t', { a: 1, b: [2, 1] })).not.toBe(base);
    expect(payloadFingerprint('t', { a: 1, b: { 0: 1, 1: 2 } })).not.toBe(base);
  });
});
