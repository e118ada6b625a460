/**
 * Where a process spent its CPU: self time by package and by function of a `.cpuprofile` (from `npm run bench --
 * --profile <dir>` or `node --cpu-prof`). Usage: npm run bench:profile -- <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

/** `ioredis`, `@nestjs/core`, `lib: server/ack-batcher.js`, `node:net`, `(garbage collector)` … */
function packageOf({ url, functionName }: CallFrame): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) {
    return dependency[1];
  }
  const own = /(?:libs\/redis-streams\/src|redis-streams)\/(.+)$/.exec(url);
  if (own) {
    return `lib: ${own[1]}`;
  }
  if (url.startsWith('node:')) {
    return url;
  }
  return url === '' ? functionName || '(native)' : url.replace(/.*\//, '');
}

function functionOf({ url, functionName, lineNumber }: CallFrame): string {
  const file = url.replace(/.*node_modules\//, '').replace(/.*\//, '');
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
}

function top(label: string, times: Map<string, number>, total: number, count: number): void {
  console.log(`\n${label}`);
  for (const [name, micros] of [...times].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(6)} %  ${name}`);
  }
}

function main(): void {
  const [file, count = '25'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npm run bench:profile -- <file.cpuprofile> [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (!frame) {
      return;
    }
    total += micros;
    const pkg = packageOf(frame);
    const fn = functionOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  });
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  top('self time by package', byPackage, total, Number(count));
  top('self time by function', byFunction, total, Number(count));
}

main();
