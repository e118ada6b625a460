import { InvalidOptionsError } from '../errors/redis-streams.error';

/** Ends a pattern that names every name starting with the rest (`ingestion.*`; `*` alone: every name). */
const WILDCARD = '*';

/** True when `spec` is a name or a prefix ending with a single `*`: not empty, no `*` anywhere else. */
export function isNameOrPrefix(spec: unknown): spec is string {
  if (typeof spec !== 'string' || spec.length === 0) {
    return false;
  }
  const star = spec.indexOf(WILDCARD);
  return star === -1 || star === spec.length - 1;
}

/** True when `pattern` ends with the wildcard. */
export function isWildcard(pattern: string): boolean {
  return pattern.endsWith(WILDCARD);
}

/** The prefix a wildcard pattern names (`ingestion.*` → `ingestion.`). */
export function wildcardPrefix(pattern: string): string {
  return pattern.slice(0, -WILDCARD.length);
}

/** True when a spec (`name`, `prefix*`) covers `pattern` (a name, or a handler's own `prefix*`). */
export function specMatches(spec: string, pattern: string): boolean {
  return spec === pattern || (isWildcard(spec) && pattern.startsWith(wildcardPrefix(spec)));
}

/**
 * A predicate for a type filter: exact names, or prefixes ending with a single `*` (`ingestion.*`, `*`).
 * No types: everything matches. Throws {@link InvalidOptionsError} for an empty name or a misplaced `*`.
 */
export function compileTypeFilter(types: readonly string[] = []): (type: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const type of types) {
    if (!isNameOrPrefix(type)) {
      throw new InvalidOptionsError(
        `type "${String(type).slice(0, 64)}" must be a name or a prefix ending with *`,
      );
    }
    if (isWildcard(type)) {
      prefixes.push(wildcardPrefix(type));
    } else {
      exact.add(type);
    }
  }
  if (exact.size === 0 && prefixes.length === 0) {
    return () => true;
  }
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}
