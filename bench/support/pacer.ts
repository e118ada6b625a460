import { wallClockMs } from './protocol';

/**
 * Calls `send(n)` for n = 0..total-1 at `rate` per second on a fixed schedule (due times counted from the start,
 * so timer slack does not accumulate). A producer that fell behind catches up at most `maxPerTurn` events per
 * event-loop turn instead of in one burst. Returns how late the worst event was (ms).
 */
export async function paced(
  total: number,
  rate: number,
  send: (n: number) => void,
  maxPerTurn = 4,
): Promise<number> {
  const start = wallClockMs();
  let maxLag = 0;
  let n = 0;
  while (n < total) {
    const now = wallClockMs();
    const due = start + (n * 1000) / rate;
    if (now < due) {
      await new Promise((resolve) => setTimeout(resolve, due - now));
      continue;
    }
    let sentThisTurn = 0;
    while (n < total && sentThisTurn < maxPerTurn) {
      const dueN = start + (n * 1000) / rate;
      const at = wallClockMs();
      if (at < dueN) {
        break;
      }
      maxLag = Math.max(maxLag, at - dueN);
      send(n);
      n++;
      sentThisTurn++;
    }
    if (sentThisTurn === maxPerTurn) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return maxLag;
}
