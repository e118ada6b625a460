import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

/** Sources the child processes need, relative to the repository root. */
const SOURCE_DIRS = ['bench', 'libs/redis-streams/src'];

/**
 * Transpiles bench/ and the library once into a temporary directory (no type check: `npm run typecheck` does that),
 * the same way ts-node's transpile-only mode does per file. Children then run plain JavaScript: running them under
 * ts-node would load the TypeScript compiler into every consumer (~+60 MB RSS at start, ~190 MB with the library
 * loaded, measured here) and add seconds of start-up per process. `@app/redis-streams` is resolved by
 * tsconfig-paths against a tsconfig written next to the output; `node_modules` is a symlink to the repository's.
 */
export function buildForChildren(root: string): string {
  const out = mkdtempSync(join(tmpdir(), 'nrs-bench-build-'));
  const compilerOptions: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    sourceMap: false,
  };
  for (const dir of SOURCE_DIRS) {
    for (const file of walk(join(root, dir))) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || file.endsWith('.d.ts')) {
        continue;
      }
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions,
        fileName: file,
      });
      const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
  }
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  writeFileSync(
    join(out, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        baseUrl: '.',
        paths: {
          '@app/redis-streams': ['libs/redis-streams/src'],
          '@app/redis-streams/*': ['libs/redis-streams/src/*'],
        },
      },
    }),
  );
  return out;
}

export function removeBuild(out: string): void {
  rmSync(out, { recursive: true, force: true });
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'results' || entry.name === 'node_modules' ? [] : walk(full);
    }
    return [full];
  });
}
