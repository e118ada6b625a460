#!/usr/bin/env node
/**
 * Starts the demo: the API and the consumer (built by `npm run build`), against REDIS_URL
 * (default redis://127.0.0.1:6379). When nothing answers there and the URL is a loopback address, a throwaway
 * `redis-server` (no persistence) is started for the session and stopped on exit.
 *
 * Output lines of the apps are prefixed with [api] / [consumer]. SIGINT/SIGTERM are forwarded once to the apps
 * (they run in their own process group, so a terminal Ctrl-C reaches them only through us: a second SIGINT would
 * cut Nest's graceful shutdown short); the launcher exits when they have. If one app exits on its own, the other
 * is stopped and the launcher exits non-zero.
 *
 * Env: REDIS_URL, PORT (api, default 3000), CONSUMER_PORT (default 3001), everything else is passed through.
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const readline = require('node:readline');
const { Redis } = require('ioredis');

const ROOT = join(__dirname, '..');
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
const apiPort = process.env.PORT || '3000';
const consumerPort = process.env.CONSUMER_PORT || '3001';

/** Children still running, by label. */
const children = new Map();
let stopping = false;
let exitCode = 0;

function log(message) {
  process.stdout.write(`[start] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[start] error: ${message}\n`);
}

/** The URL with its password hidden, for messages. */
function redact(url) {
  return url.replace(/\/\/([^@/]*)@/, (_match, auth) => `//${auth.split(':')[0]}:***@`);
}

/** Where `nest build <app>` put the app's main.js (the path depends on the tsconfig's computed rootDir). */
function mainOf(app) {
  const candidates = [
    join(ROOT, 'dist', 'apps', app, 'main.js'),
    join(ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js'),
  ];
  return candidates.find((file) => existsSync(file));
}

/** True when Redis at `url` answers PING within `timeoutMs`. */
async function redisAnswers(url, timeoutMs = 1000) {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitUntil(probe, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}

/** Makes sure a Redis answers at `url`, starting a throwaway one if allowed; exits 1 when impossible. */
async function ensureRedis(url) {
  if (await redisAnswers(url)) {
    log(`using Redis at ${redact(url)}`);
    return;
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    fail(`REDIS_URL is not a valid URL: ${redact(url)}`);
    process.exit(1);
  }
  const why = !LOOPBACK_HOSTS.has(parsed.hostname)
    ? 'it is not a loopback address, so no local redis-server is started for it'
    : parsed.password || parsed.username
      ? 'the URL has credentials, which a throwaway redis-server would not have'
      : !hasRedisServer()
        ? 'redis-server is not on the PATH'
        : undefined;
  if (why) {
    fail(`nothing answers at ${redact(url)} and ${why}. Start Redis or set REDIS_URL.`);
    process.exit(1);
  }
  const port = parsed.port || '6379';
  log(
    `nothing answers at ${redact(url)}: starting a throwaway redis-server on port ${port} (no persistence)`,
  );
  const child = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  prefixOutput(child.stdout, '[redis]', process.stdout);
  prefixOutput(child.stderr, '[redis]', process.stderr);
  track('redis', child);
  const up = await waitUntil(() => child.exitCode === null && redisAnswers(url), 10_000);
  if (!up) {
    fail(`the throwaway redis-server did not answer on port ${port}`);
    await shutdown(1);
  }
}

/** Pipes a child's output line by line with a prefix. */
function prefixOutput(stream, prefix, target) {
  if (!stream) {
    return;
  }
  readline.createInterface({ input: stream }).on('line', (line) => target.write(`${prefix} ${line}\n`));
}

/** Registers a child: any child exiting while we are not stopping brings everything down. */
function track(label, child) {
  children.set(label, child);
  child.once('exit', (code, signal) => {
    children.delete(label);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      log(`${label} stopped (${how})`);
      return;
    }
    fail(`${label} exited unexpectedly (${how})`);
    void shutdown(1);
  });
  child.once('error', (error) => {
    fail(`${label} could not be started: ${error.message}`);
    children.delete(label);
    if (!stopping) {
      void shutdown(1);
    }
  });
}

function startApp(label, file) {
  const child = spawn(process.execPath, [file], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, PORT: apiPort, CONSUMER_PORT: consumerPort },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  prefixOutput(child.stdout, `[${label}]`, process.stdout);
  prefixOutput(child.stderr, `[${label}]`, process.stderr);
  track(label, child);
  return child;
}

function httpOk(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
  });
}

function waitForExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops the apps (signal, then SIGKILL after a deadline), then the throwaway Redis, then exits with `code`. */
async function shutdown(code, signal = 'SIGTERM') {
  if (stopping) {
    return;
  }
  stopping = true;
  exitCode = code;
  const apps = [...children].filter(([label]) => label !== 'redis');
  for (const [, child] of apps) {
    child.kill(signal);
  }
  await Promise.all(
    apps.map(async ([label, child]) => {
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        fail(`${label} did not stop within ${STOP_TIMEOUT_MS} ms: killing it`);
        child.kill('SIGKILL');
        await waitForExit(child, 5000);
      }
    }),
  );
  const redis = children.get('redis');
  if (redis) {
    redis.kill('SIGTERM');
    await waitForExit(redis, 5000);
  }
  process.exit(exitCode);
}

async function main() {
  const apiMain = mainOf('api');
  const consumerMain = mainOf('consumer');
  if (!apiMain || !consumerMain) {
    fail('the apps are not built: run `npm run build` first (or `npm start`, which builds)');
    process.exit(1);
  }
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (stopping) {
        log(`${signal} again: killing the apps now`);
        children.forEach((child) => child.kill('SIGKILL'));
        return;
      }
      log(`${signal}: stopping the apps`);
      void shutdown(0, signal);
    });
  }
  // Last resort if the launcher itself dies: leave nothing running.
  process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

  await ensureRedis(redisUrl);
  if (stopping) {
    return;
  }
  const startedAt = Date.now();
  startApp('consumer', consumerMain);
  startApp('api', apiMain);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const consumerHealth = `http://127.0.0.1:${consumerPort}/health`;
  const ready = await waitUntil(
    async () => stopping || ((await httpOk(`${apiUrl}/health`)) && (await httpOk(consumerHealth))),
    READY_TIMEOUT_MS,
    200,
  );
  if (stopping) {
    return;
  }
  if (!ready) {
    fail(`the apps did not become healthy within ${READY_TIMEOUT_MS} ms`);
    await shutdown(1);
    return;
  }
  log(`ready in ${Date.now() - startedAt} ms`);
  log(`api: ${apiUrl}`);
  log(`consumer health: ${consumerHealth}`);
  log('press Ctrl-C to stop');
}

main().catch((error) => {
  fail(error instanceof Error ? error.message : String(error));
  void shutdown(1);
});
