#!/usr/bin/env node
/**
 * Builds libs/redis-streams into dist/libs/redis-streams, ready for `npm pack` / `npm publish` from there:
 * compiled .js + .d.ts (no source maps: they would point at sources the package does not ship), the library's
 * package.json and README. Fails (exit 1) on any compiler error or when the output is not self-contained.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { builtinModules } = require('node:module');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const LIB = path.join(ROOT, 'libs', 'redis-streams');
const OUT = path.join(ROOT, 'dist', 'libs', 'redis-streams');
const TSCONFIG = path.join(LIB, 'tsconfig.lib.json');

class BuildError extends Error {}

function fail(message) {
  throw new BuildError(message);
}

function relative(file) {
  return path.relative(ROOT, file);
}

/** Every file under `dir`, recursively. */
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

function clean() {
  fs.rmSync(OUT, { recursive: true, force: true });
  if (fs.existsSync(OUT)) {
    fail(`could not remove ${relative(OUT)}`);
  }
}

function compile() {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const args = [
    tsc,
    '-p',
    TSCONFIG,
    '--outDir',
    OUT,
    '--declaration',
    '--sourceMap',
    'false',
    '--declarationMap',
    'false',
    '--noEmitOnError',
    '--incremental',
    'false',
  ];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) {
    fail(`could not run tsc: ${result.error.message}`);
  }
  if (result.status !== 0) {
    fail(`tsc failed (${result.signal ? `signal ${result.signal}` : `exit code ${result.status}`})`);
  }
}

function readManifest() {
  const file = path.join(LIB, 'package.json');
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`cannot read ${relative(file)}: ${error.message}`);
  }
  for (const field of ['name', 'version', 'main', 'types', 'license']) {
    if (typeof manifest[field] !== 'string' || manifest[field] === '') {
      fail(`${relative(file)}: "${field}" is missing`);
    }
  }
  if (manifest.private) {
    fail(`${relative(file)}: "private" must not be set on a package meant to be published`);
  }
  return manifest;
}

function copyPackageFiles() {
  fs.copyFileSync(path.join(LIB, 'package.json'), path.join(OUT, 'package.json'));
  const readme = path.join(LIB, 'README.md');
  if (!fs.existsSync(readme)) {
    fail(`${relative(readme)} is missing`);
  }
  fs.copyFileSync(readme, path.join(OUT, 'README.md'));
  // The wire contract other languages build against ships with the package.
  const wire = path.join(LIB, 'src', 'wire', 'WIRE.md');
  if (!fs.existsSync(wire)) {
    fail(`${relative(wire)} is missing`);
  }
  fs.copyFileSync(wire, path.join(OUT, 'WIRE.md'));
  const license = [path.join(LIB, 'LICENSE'), path.join(ROOT, 'LICENSE')].find((file) => fs.existsSync(file));
  if (license) {
    fs.copyFileSync(license, path.join(OUT, 'LICENSE'));
  } else {
    console.warn('build-lib: warning: no LICENSE file (libs/redis-streams/LICENSE or LICENSE); none shipped');
  }
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtinModules.includes(packageName(specifier));
}

/** Checks the output is a self-contained package that matches its manifest. */
function verify(manifest) {
  const files = walk(OUT);
  const problems = [];
  for (const entry of [manifest.main, manifest.types]) {
    if (!fs.existsSync(path.join(OUT, entry))) {
      problems.push(`"${entry}" (package.json main/types) was not emitted at the top of ${relative(OUT)}`);
    }
  }
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
      if (!fs.existsSync(path.join(OUT, file))) {
        problems.push(`exports["${subpath}"] names ${file}, which was not emitted`);
      }
    }
  }
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const required = new Set();
  for (const file of files) {
    const name = path.relative(OUT, file);
    if (/\.(int-)?spec\.|\.test\.|\.map$|\.tsbuildinfo$/.test(name) || name.startsWith(`test${path.sep}`)) {
      problems.push(`${name}: test file, source map or build info in the output`);
      continue;
    }
    if (!/\.(js|d\.ts)$/.test(name)) {
      continue;
    }
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes('@app/')) {
      problems.push(`${name}: contains "@app/" (the library must not import monorepo code)`);
    }
    const specifiers = [
      ...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g),
      // `from '…'` and `import('…')` in declarations; not method calls such as `Buffer.from('…')`.
      ...text.matchAll(/(?<![.\w$])(?:from|import)\s*\(?\s*["']([^"']+)["']/g),
    ].map((match) => match[1]);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!target.startsWith(OUT + path.sep)) {
          problems.push(`${name}: imports "${specifier}", outside the package`);
        }
        continue;
      }
      if (isBuiltin(specifier) || packageName(specifier) === manifest.name) {
        continue;
      }
      const pkg = packageName(specifier);
      if (!declared.has(pkg)) {
        problems.push(`${name}: imports "${specifier}", not in dependencies or peerDependencies`);
      }
      if (name.endsWith('.js')) {
        required.add(pkg);
      }
    }
  }
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    if (!required.has(dependency)) {
      problems.push(`dependency "${dependency}" is never required by the built code`);
    }
  }
  if (problems.length > 0) {
    fail(`the built package is not publishable:\n  - ${problems.join('\n  - ')}`);
  }
  return files.length;
}

function main() {
  const started = Date.now();
  const manifest = readManifest();
  clean();
  compile();
  copyPackageFiles();
  const count = verify(manifest);
  console.log(
    `build-lib: ${manifest.name}@${manifest.version} built in ${relative(OUT)} ` +
      `(${count} files, ${Date.now() - started} ms); publish with: cd ${relative(OUT)} && npm pack`,
  );
}

try {
  main();
} catch (error) {
  console.error(`build-lib: FAILED: ${error instanceof BuildError ? error.message : error.stack}`);
  process.exitCode = 1;
}
