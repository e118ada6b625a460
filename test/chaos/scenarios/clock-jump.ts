import { Scenario, repeatWhileProducing, takeoversNoticed } from '../scenario';

const GROUP = 'chaos';
const HOURS_MS = 2 * 60 * 60 * 1000;

/**
 * Every pending entry made to look idle for hours at once, owners unchanged — what a forward jump of Redis's clock
 * does to idle times. In one step (Lua), so no entry acknowledged meanwhile is put back (FORCE would).
 */
const JUMP_LUA = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1000)
local byOwner = {}
for _, row in ipairs(pending) do
  byOwner[row[2]] = byOwner[row[2]] or {}
  table.insert(byOwner[row[2]], row[1])
end
for owner, ids in pairs(byOwner) do
  redis.call('XCLAIM', KEYS[1], ARGV[1], owner, 0, unpack(ids), 'IDLE', ARGV[2], 'FORCE', 'JUSTID')
end
return #pending
`;

/**
 * A forced clock jump: `XCLAIM … IDLE <2 h> FORCE JUSTID` on every pending entry, keeping its owner, every second
 * while 200 ms handlers run. Peers take entries their live owners are running; nothing may be lost, and every entry
 * run twice must be noticed by the process that lost it.
 */
export const clockJump: Scenario = {
  name: 'clock-jump',
  summary:
    'every pending entry set 2 h idle (`XCLAIM … IDLE 7200000 FORCE JUSTID`, owner kept) every second while ' +
    '200 ms handlers run: peers see their live owners as long dead.',
  consumers: 3,
  consumer: { handlerMs: 200 },
  events: 2000,
  rate: 150,
  minFaults: 5,
  fault: (ctx) =>
    repeatWhileProducing(ctx, 1000, 1000, async () => {
      const jumped = Number(await ctx.redis.command.eval(JUMP_LUA, 1, ctx.stream, GROUP, String(HOURS_MS)));
      ctx.faults.add('clock jump');
      ctx.faults.add('entry made 2 h idle', jumped);
    }),
  verify: takeoversNoticed,
  timeBudgetMs: 90_000,
};
