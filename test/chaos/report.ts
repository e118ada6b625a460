/**
 * The chaos table: one row per scenario, as Markdown (printed and written to results/latest.md) and as JSON
 * (results/latest.json, with every figure, the server counters and the problems of a failed run).
 */
import type { Figures, HealthSummary, Verdict } from './checker';

/** Everything known about one scenario run. */
export interface ScenarioReport {
  name: string;
  summary: string;
  faults: string;
  faultCounts: Record<string, number>;
  /** The rule of a predicted loss, and how many events it predicted lost. */
  prediction?: { rule: string; count: number };
  figures?: Figures;
  health?: HealthSummary;
  /** Fault healed → group drained (ms). */
  timeToRecoverMs?: number;
  wallMs: number;
  verdict: Verdict;
  /** The ledgers of a failed run, kept for a post-mortem. */
  keptDir?: string;
}

/** What the suite ran on and when. */
export interface SuiteInfo {
  date: string;
  commit: string;
  node: string;
  redis: string;
  cpus: number;
  wallMs: number;
  command: string;
}

const HEADER = [
  'scenario',
  'faults injected',
  'emitted',
  'ok',
  'failed',
  'unknown',
  'recovered',
  'lost',
  'duplicated',
  'dead-lettered',
  'time to recover',
  'verdict',
];

function seconds(ms: number | undefined): string {
  return ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

function row(report: ScenarioReport): string[] {
  const f = report.figures;
  if (!f) {
    return [report.name, report.faults, ...HEADER.slice(2, -2).map(() => '–'), '–', report.verdict.label];
  }
  const lost = report.prediction ? `${f.lost} (predicted ${report.prediction.count})` : String(f.lost);
  const duplicated =
    f.duplicated === 0
      ? '0'
      : `${f.duplicated} (${f.redelivered} redelivered + ${f.producerDuplicates} re-sent)`;
  return [
    report.name,
    report.faults,
    String(f.emitted),
    String(f.ok + f.lateOk),
    String(f.failed),
    String(f.unknown),
    String(f.recovered),
    lost,
    duplicated,
    String(f.deadLettered),
    seconds(report.timeToRecoverMs),
    report.verdict.label,
  ];
}

/** The table alone, Markdown. */
export function markdownTable(reports: readonly ScenarioReport[]): string {
  const lines = [HEADER, HEADER.map(() => '---'), ...reports.map(row)];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The whole results page: how it was run, the table, what the columns mean, each scenario, the failures. */
export function markdownPage(reports: readonly ScenarioReport[], info: SuiteInfo): string {
  const failures = reports.filter((report) => !report.verdict.pass);
  return [
    '# Chaos suite results',
    '',
    `\`${info.command}\` — ${info.date}, commit ${info.commit}, Node ${info.node}, Redis ${info.redis}, ` +
      `${info.cpus} cores, ${seconds(info.wallMs)} in all.`,
    '',
    markdownTable(reports),
    '',
    '- **ok / failed / unknown**: what the producer was told within 5 s — the entry id; an error reply from Redis ' +
      '(the write did not happen); no reply or a connection failure (it may or may not have happened). ok counts ' +
      'replies that came late too.',
    '- **recovered**: unknown emits that were handled (or dead-lettered) anyway.',
    '- **lost**: ok emits neither handled nor dead-lettered, after the faults were healed and the group drained.',
    '- **duplicated**: handlings beyond the first per event_id: the same entry handled again (crash before its ' +
      'ack, takeover) + extra entries of one event (an XADD re-sent after its reply was lost).',
    '- **time to recover**: from the last fault healed to the group drained (nothing pending, unread or ' +
      'scheduled for retry; confirmed by 2 s without a new handling).',
    '- A run passes with 0 lost (or exactly the predicted events lost) and 0 unexpected (handled but never ' +
      'emitted, or refused by Redis), plus its own claims.',
    '',
    ...reports.map(
      (report) =>
        `- \`${report.name}\`: ${report.summary}` +
        (report.prediction ? ` Predicted loss: ${report.prediction.rule}.` : ''),
    ),
    ...(failures.length === 0
      ? []
      : [
          '',
          '## Failures',
          '',
          ...failures.map(
            (report) =>
              `- \`${report.name}\`: ${report.verdict.problems.join('; ')}` +
              (report.keptDir ? ` (ledgers kept in ${report.keptDir})` : ''),
          ),
        ]),
    '',
  ].join('\n');
}
