import { parser } from '@prometheus-io/lezer-promql';

/** What one PromQL expression selects. */
export interface PromqlSelection {
  /** Metric names of its vector selectors (`name{…}`, `name[5m]`, or `{__name__="name"}`), in order, no repeats. */
  metrics: string[];
  /** Label names used in each metric's own matchers (`name{group=~"…"}` → group), by metric. */
  matcherLabels: Map<string, Set<string>>;
  /** Syntax errors as `offset: text near it`; empty when the expression parses. */
  errors: string[];
}

/**
 * Grafana's built-in interval variables and `$var` / `${var}` template references, replaced by values PromQL accepts
 * (an interval, or a regex matching anything), so a dashboard query parses as Prometheus would receive it.
 */
export function expandGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m')
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, '.*');
}

/**
 * Parses `expr` with the Prometheus project's own PromQL grammar (the one the Prometheus UI uses) and returns the
 * metric names it selects: identifiers in selector position only, so function names, aggregation operators,
 * keywords (`by`, `on`, `offset`, `bool`) and label names are never mistaken for metrics.
 */
export function promqlSelection(expr: string): PromqlSelection {
  const metrics: string[] = [];
  const matcherLabels = new Map<string, Set<string>>();
  const errors: string[] = [];
  const text = (from: number, to: number): string => expr.slice(from, to);
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) {
      errors.push(`${cursor.from}: ${JSON.stringify(text(Math.max(0, cursor.from - 20), cursor.to + 20))}`);
    }
    if (cursor.name !== 'VectorSelector') {
      continue;
    }
    const node = cursor.node;
    const identifier = node.getChild('Identifier');
    const labels: string[] = [];
    let name = identifier ? text(identifier.from, identifier.to) : undefined;
    const matchers = node.getChild('LabelMatchers');
    for (let matcher = matchers?.firstChild ?? null; matcher; matcher = matcher.nextSibling) {
      const label = matcher.getChild('LabelName');
      const value = matcher.getChild('StringLiteral');
      if (!label) {
        continue;
      }
      const labelName = text(label.from, label.to);
      if (labelName === '__name__' && value && matcher.getChild('MatchOp')?.getChild('EqlSingle')) {
        name = JSON.parse(text(value.from, value.to)) as string;
      } else {
        labels.push(labelName);
      }
    }
    if (name === undefined) {
      errors.push(`${node.from}: selector without a metric name: ${text(node.from, node.to)}`);
      continue;
    }
    if (!metrics.includes(name)) {
      metrics.push(name);
    }
    const known = matcherLabels.get(name) ?? new Set<string>();
    labels.forEach((label) => known.add(label));
    matcherLabels.set(name, known);
  } while (cursor.next());
  return { metrics, matcherLabels, errors };
}
