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
