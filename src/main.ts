/**
 * `npm start`: runs the API and the consumer (built by `npm run build`) against REDIS_URL (default
 * redis://127.0.0.1:6379), starting a throwaway redis-server when nothing answers on a loopback URL. The apps'
 * output is prefixed [api] / [consumer]; SIGINT/SIGTERM stop them gracefully and the launcher exits 0 once they
 * have; an app that exits on its own stops the other and the launcher exits 1.
 *
 * Env: REDIS_URL, PORT (api, default 3000), CONSUMER_PORT (default 3001); everything else reaches the apps as is.
 */
import { spawnApp } from './app-process';
import { ensureRedis } from './ensure-redis';
import { httpOk } from './http-ok';
import { launcherConfig } from './launcher-config';
import { fail, log } from './log';
import { handleSignals } from './signals';
import { Supervisor } from './supervisor';
import { waitUntil } from './wait-until';
import { builtAppMain, workspaceRoot } from './workspace';

/** How long both apps may take to answer their /health with 200. */
const READY_TIMEOUT_MS = 30_000;

async function main(supervisor: Supervisor): Promise<void> {
  const config = launcherConfig(process.env);
  const root = workspaceRoot(__dirname);
  const apiMain = builtAppMain(root, 'api');
  const consumerMain = builtAppMain(root, 'consumer');
  if (!apiMain || !consumerMain) {
    throw new Error('the apps are not built: run `npm run build` first (or `npm start`, which builds)');
  }
  handleSignals(supervisor);

  await ensureRedis(config.redisUrl, supervisor);
  if (supervisor.stopping) {
    return;
  }
  const startedAt = Date.now();
  supervisor.track('consumer', spawnApp('consumer', consumerMain, root, config));
  supervisor.track('api', spawnApp('api', apiMain, root, config));
  const apiUrl = `http://127.0.0.1:${config.apiPort}`;
  const consumerHealth = `http://127.0.0.1:${config.consumerPort}/health`;
  const ready = await waitUntil(
    async () => supervisor.stopping || ((await httpOk(`${apiUrl}/health`)) && (await httpOk(consumerHealth))),
    READY_TIMEOUT_MS,
    200,
  );
  if (supervisor.stopping) {
    return;
  }
  if (!ready) {
    throw new Error(`the apps did not become healthy within ${READY_TIMEOUT_MS} ms`);
  }
  log(`ready in ${Date.now() - startedAt} ms`);
  log(`api: ${apiUrl}`);
  log(`consumer health: ${consumerHealth}`);
  log('press Ctrl-C to stop');
}

const supervisor = new Supervisor();
main(supervisor).catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error));
  void supervisor.stop(1);
});
