import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The workspace root: the nearest directory at or above `from` that holds `nest-cli.json`. Searched rather than
 * fixed so the launcher finds the apps wherever the build put its own main.js.
 */
export function workspaceRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nest-cli.json'))) {
      return dir;
    }
    if (dirname(dir) === dir) {
      throw new Error(`no nest-cli.json at or above ${from}: cannot find the workspace`);
    }
  }
}

/**
 * Where `nest build <app>` put the app's main.js, or undefined when it is not built. Two places: the path depends on
 * the rootDir tsc computes from the app's sources (the libraries it compiles in push it up to the workspace root).
 */
export function builtAppMain(root: string, app: string): string | undefined {
  const candidates = [
    join(root, 'dist', 'apps', app, 'main.js'),
    join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js'),
  ];
  return candidates.find((file) => existsSync(file));
}
