/**
 * The chaos runner: `npm run test:chaos [-- scenario …]`. Runs the scenarios in sequence (all, or those named), each
 * against its own Redis on a free loopback port with its consumers as child processes, within its time budget;
 * prints the table, writes test/chaos/results/latest.md and latest.json, and ends with `chaos: N passed, M failed`
 * (exit status 1 when any failed, 2 for an unknown scenario name).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { abandonActiveRun, runScenario } from './execute';
import { ScenarioReport, SuiteInfo, markdownPage, markdownTable } from './report';
import { SCENARIOS } from './scenarios';

const RESULTS = join(__dirname, 'results');

function log(message: string): void {
  process.stdout.write(`[chaos] ${message}\n`);
}

function suiteInfo(wallMs: number, names: readonly string[]): SuiteInfo {
  const run = (command: string): string => {
    try {
      return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    date: new Date().toISOString(),
    commit: run('git rev-parse --short HEAD'),
    node: process.version,
    redis: /v=(\S+)/.exec(run('redis-server --version'))?.[1] ?? 'unknown',
    cpus: cpus().length,
    wallMs,
    command: `npm run test:chaos${names.length > 0 ? ` -- ${names.join(' ')}` : ''}`,
  };
}

function interrupted(signal: NodeJS.Signals): void {
  log(`${signal}: stopping consumers and Redis`);
  const exit = (): never => process.exit(130);
  setTimeout(exit, 3000).unref();
  void abandonActiveRun().finally(exit);
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']); // the producer's reconnect chatter (debug) is the fault working, not news
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    const known = SCENARIOS.map((scenario) => scenario.name).join(', ');
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; known: ${known}\n`);
    process.exit(2);
  }
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const selected =
    names.length > 0 ? SCENARIOS.filter((scenario) => names.includes(scenario.name)) : SCENARIOS;
  const started = Date.now();
  const reports: ScenarioReport[] = [];
  for (const scenario of selected) {
    const report = await runScenario(scenario, log);
    const problems = report.verdict.problems.length > 0 ? ` — ${report.verdict.problems.join('; ')}` : '';
    log(`${scenario.name}: ${report.verdict.label} in ${(report.wallMs / 1000).toFixed(1)} s${problems}`);
    reports.push(report);
  }
  const info = suiteInfo(Date.now() - started, names);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.md'), markdownPage(reports, info));
  writeFileSync(
    join(RESULTS, 'latest.json'),
    `${JSON.stringify({ ...info, scenarios: reports }, null, 2)}\n`,
  );
  const passed = reports.filter((report) => report.verdict.pass).length;
  process.stdout.write(`\n${markdownTable(reports)}\n\n`);
  process.stdout.write(
    `wall time ${(info.wallMs / 1000).toFixed(1)} s; results in test/chaos/results/latest.md\n`,
  );
  process.stdout.write(`chaos: ${passed} passed, ${reports.length - passed} failed\n`);
  process.exit(passed === reports.length ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `chaos runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  void abandonActiveRun().finally(() => process.exit(1));
});
