import { CASE_TITLES } from '../cases/index';
import type { CaseSummary, Goal } from './results';
import type { Spread } from './stats';

export interface TableContext {
  events: number;
  runs: number;
  rate: number;
  warmupSeconds: number;
  latencySeconds: number;
  environment: string;
  failures: string[];
}

function num(value: number, digits: number): string {
  if (!Number.isFinite(value)) {
    return '—';
  }
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

/** "median" or "median [min–max]" when there was more than one run. */
function cell(s: Spread, digits: number, runs: number): string {
  const median = num(s.median, digits);
  return runs > 1 && Number.isFinite(s.min)
    ? `${median} [${num(s.min, digits)}–${num(s.max, digits)}]`
    : median;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function caseLabel(s: CaseSummary): string {
  const failed = s.failedRuns > 0 ? ` (**${s.failedRuns} failed**)` : '';
  return `**${s.caseId}**${failed}`;
}

export function markdown(summaries: CaseSummary[], goals: Goal[], ctx: TableContext): string {
  const runs = ctx.runs;
  const spreadNote = runs > 1 ? `median [min–max] of ${runs} runs` : 'one run';
  const lines: string[] = [];
  lines.push(`${ctx.environment}`, '');
  const throughput = summaries.filter((s) => s.mode === 'throughput');
  if (throughput.length > 0) {
    lines.push(
      `Throughput: ${ctx.events.toLocaleString('en-US')} events of ~200 B JSON, first produced → last handled, ${spreadNote}; ratios are same-run.`,
      '',
      row(['case', 'events/s', '× B', 'consumer peak RSS MB', 'consumer CPU µs/event', 'redis CPU µs/event']),
      row(['---', '---:', '---:', '---:', '---:', '---:']),
      ...throughput.map((s) =>
        row([
          caseLabel(s),
          cell(s.eventsPerSec, 0, runs),
          cell(s.ratio, 2, runs),
          cell(s.consumerPeakRssMb, 0, runs),
          cell(s.consumerCpuMicrosPerEvent, 1, runs),
          cell(s.redisCpuMicrosPerEvent, 1, runs),
        ]),
      ),
      '',
    );
  }
  const latency = summaries.filter((s) => s.mode === 'latency');
  if (latency.length > 0) {
    lines.push(
      `Latency: ${ctx.rate} events/s, ${ctx.warmupSeconds} s warm-up discarded + ${ctx.latencySeconds} s measured, emit → handler entry (ms), ${spreadNote}.`,
      '',
      row(['case', 'p50', 'p95', 'p99', 'p99 × B', 'max', 'consumer peak RSS MB', 'consumer CPU µs/event']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...latency.map((s) =>
        row([
          caseLabel(s),
          cell(s.p50, 2, runs),
          cell(s.p95, 2, runs),
          cell(s.p99, 2, runs),
          cell(s.p99Ratio, 2, runs),
          cell(s.max, 1, runs),
          cell(s.consumerPeakRssMb, 0, runs),
          cell(s.consumerCpuMicrosPerEvent, 1, runs),
        ]),
      ),
      '',
    );
  }
  const backlog = summaries.filter((s) => s.mode === 'backlog');
  if (backlog.length > 0) {
    lines.push(
      `Backlog (P only): entries already waiting when the consumer starts, drained first handled → last handled, ${spreadNote}.`,
      '',
      row([
        'waiting',
        'events/s',
        '× smallest',
        'consumer peak RSS MB',
        'consumer CPU µs/event',
        'redis used_memory MB',
      ]),
      row(['---:', '---:', '---:', '---:', '---:', '---:']),
      ...backlog.map((s) =>
        row([
          `${(s.backlog ?? 0).toLocaleString('en-US')}${s.failedRuns > 0 ? ` (**${s.failedRuns} failed**)` : ''}`,
          cell(s.eventsPerSec, 0, runs),
          cell(s.ratio, 2, runs),
          cell(s.consumerPeakRssMb, 0, runs),
          cell(s.consumerCpuMicrosPerEvent, 1, runs),
          cell(s.redisUsedMemoryMb, 0, runs),
        ]),
      ),
      '',
    );
  }
  if (goals.length > 0) {
    lines.push(
      'Targets of issue 5 (medians of same-run ratios; reported, never asserted):',
      '',
      row(['target', 'measured', 'met']),
      row(['---', '---:', '---']),
      ...goals.map((g) =>
        row([g.goal, num(g.measured, 2), g.met === undefined ? 'n/a' : g.met ? 'yes' : '**no**']),
      ),
      '',
    );
  }
  const cases = [...new Set(summaries.filter((s) => s.mode !== 'backlog').map((s) => s.caseId))];
  lines.push(...cases.map((id) => `- **${id}**: ${CASE_TITLES[id]}`), '');
  if (ctx.failures.length > 0) {
    lines.push('Failures:', '', ...ctx.failures.map((f) => `- ${f}`), '');
  }
  return lines.join('\n');
}
