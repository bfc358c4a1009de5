/**
 * Disjoint-set helper shared by the segmentation passes.
 *
 * @module
 */

/**
 * Root of `i` in a union-find forest stored as a parent array, halving the path as it walks so
 * that repeated lookups stay near O(1) without recursion.
 */
export function findRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    const grand = parent[parent[i]];
    parent[i] = grand;
    i = grand;
  }
  return i;
}

/**
 * Compact label of every element: the index of its root, numbered `0..K-1` in order of first
 * appearance, so labels come out in raster order for a grid.
 */
export function compactRoots(parent: Int32Array): { labels: Int32Array; count: number } {
  const n = parent.length;
  const index = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const r = findRoot(parent, i);
    if (index[r] < 0) index[r] = count++;
    labels[i] = index[r];
  }
  return { labels, count };
}
