/** The largest Map or Set reachable from `root` through its own fields (what grows per distinct input). */
export function largestCollection(root: object): number {
  const seen = new Set<unknown>();
  let largest = 0;
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 6) {
      return;
    }
    seen.add(value);
    if (value instanceof Map || value instanceof Set) {
      largest = Math.max(largest, value.size);
      return;
    }
    for (const field of Object.values(value)) {
      visit(field, depth + 1);
    }
  };
  visit(root, 0);
  return largest;
}
