/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = LINE.exec(line);
    if (!match || line.startsWith('#')) {
      return [];
    }
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    return [{ name: match[1], labels, value: Number(match[3]) }];
  });
}

/**
 * The sum of the samples named `name` whose labels include `labels` (like PromQL `sum(name{…})`), or undefined when
 * there is none.
 */
export function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matching = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * Every series name a Prometheus text exposition exports: each sample's name, and each family declared by a
 * `# TYPE` line with the series its type implies (a histogram `h`: `h_bucket`, `h_sum`, `h_count`), so a labelled
 * counter that has no sample yet still counts as exported.
 */
export function exportedSeries(text: string): Set<string> {
  const names = new Set(parseExposition(text).map((sample) => sample.name));
  for (const [, name, type] of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    const suffixes =
      type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : type === 'summary'
          ? ['', '_sum', '_count']
          : [''];
    suffixes.forEach((suffix) => names.add(`${name}${suffix}`));
  }
  return names;
}
