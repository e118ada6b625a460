import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One PromQL expression of a monitoring asset and where it is. */
export interface AssetQuery {
  /** e.g. `dashboard panel "Backlog per group" A`, `rule RedisStreamsBacklogGrowing`. */
  where: string;
  expr: string;
}

const ROOT = join(__dirname, '..', '..');
/** The Grafana dashboard, from the repository root. */
export const DASHBOARD_FILE = 'deploy/grafana/nest-redis-streams.json';
/** The PrometheusRule, from the repository root. */
export const PROMETHEUS_RULE_FILE = 'deploy/k8s/base/monitoring/prometheus-rule.yaml';

/** Reads a file of the repository as text. */
export function readAsset(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string; refId?: string }>;
  panels?: Panel[];
}

interface TemplateVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
}

/**
 * Every PromQL expression of a Grafana dashboard's JSON text: each panel target's `expr` (rows' nested panels too) and
 * the metric selector inside each query variable's `label_values(selector, label)` / `query_result(expr)`.
 */
export function dashboardQueries(json: string): AssetQuery[] {
  const dashboard = JSON.parse(json) as { panels?: Panel[]; templating?: { list?: TemplateVariable[] } };
  const queries: AssetQuery[] = [];
  const walk = (panels: Panel[] = []): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined) {
          queries.push({ where: `dashboard panel "${panel.title}" ${target.refId}`, expr: target.expr });
        }
      }
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') {
      continue;
    }
    const text = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const selector =
      /^\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*$/.exec(text)?.[1] ??
      /^\s*query_result\(\s*(.+)\s*\)\s*$/.exec(text)?.[1];
    // label_values(label) alone (no selector) names no metric; anything else is not a query Grafana runs as PromQL.
    if (selector !== undefined) {
      queries.push({ where: `dashboard variable $${variable.name}`, expr: selector });
    } else if (!/^\s*label_values\(\s*\w+\s*\)\s*$/.test(text)) {
      throw new Error(`dashboard variable $${variable.name}: query not understood: ${text}`);
    }
  }
  return queries;
}

interface PrometheusRuleDoc {
  kind?: string;
  spec?: {
    groups?: Array<{ name: string; rules?: Array<{ alert?: string; record?: string; expr?: string }> }>;
  };
}

/** Every rule expression of a PrometheusRule's YAML text (alerts and recording rules). */
export function ruleQueries(yamlText: string): AssetQuery[] {
  const doc = parse(yamlText) as PrometheusRuleDoc;
  if (doc.kind !== 'PrometheusRule') {
    throw new Error(`not a PrometheusRule: kind ${String(doc.kind)}`);
  }
  return (doc.spec?.groups ?? []).flatMap((group) =>
    (group.rules ?? []).map((rule) => ({
      where: `rule ${group.name}/${rule.alert ?? rule.record ?? '?'}`,
      expr: String(rule.expr ?? ''),
    })),
  );
}
