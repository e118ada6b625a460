import { Scenario } from '../scenario';
import { baseline } from './baseline';
import { clientConnectionsKilled } from './client-connections-killed';
import { crashBetweenHandlerAndAck } from './crash-between-handler-and-ack';
import { clockJump } from './clock-jump';
import { clientPauseWrite } from './client-pause-write';
import { crashStorm } from './crash-storm';
import { debugSleep } from './debug-sleep';
import { entriesDeletedWhilePending } from './entries-deleted-while-pending';
import { longHandlersAllSlotsBusy } from './long-handlers-all-slots-busy';
import { maxlenTrimmingProducer } from './maxlen-trimming-producer';
import { maxmemoryNoeviction } from './maxmemory-noeviction';
import { minidJanitor } from './minid-janitor';
import { proxyDropsReplies } from './proxy-drops-replies';
import { redisKillAofAlways } from './redis-kill-aof-always';
import { redisKillNoPersistence } from './redis-kill-no-persistence';
import { redisKillRdbOnly } from './redis-kill-rdb-only';
import { silentNetwork } from './silent-network';
import { sigstopPastMinIdle } from './sigstop-past-min-idle';
import { sigtermUnderLoad } from './sigterm-under-load';
import { twoProcessesOneName } from './two-processes-one-name';

/** Every scenario, in the order the suite runs them. */
export const SCENARIOS: readonly Scenario[] = [
  baseline,
  crashStorm,
  crashBetweenHandlerAndAck,
  sigstopPastMinIdle,
  sigtermUnderLoad,
  redisKillAofAlways,
  redisKillRdbOnly,
  redisKillNoPersistence,
  clientConnectionsKilled,
  longHandlersAllSlotsBusy,
  proxyDropsReplies,
  silentNetwork,
  debugSleep,
  clientPauseWrite,
  maxmemoryNoeviction,
  maxlenTrimmingProducer,
  minidJanitor,
  entriesDeletedWhilePending,
  twoProcessesOneName,
  clockJump,
];
