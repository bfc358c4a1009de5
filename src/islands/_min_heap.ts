/**
 * Minimal binary min-heap of `(key, item)` number pairs, for merge passes that pop the
 * cheapest candidate and push re-scored ones lazily.
 *
 * @module
 */

/** Binary min-heap ordered by `key`, ties by the smaller `item` so pops are deterministic. */
export class MinHeap {
  #keys: number[] = [];
  #items: number[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#keys.length;
  }

  /** Key of the smallest entry; `Infinity` when empty. */
  peekKey(): number {
    return this.#keys.length > 0 ? this.#keys[0] : Infinity;
  }

  /** Add `item` with priority `key`. */
  push(key: number, item: number): void {
    const keys = this.#keys, items = this.#items;
    let i = keys.length;
    keys.push(key);
    items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(key, item, keys[p], items[p])) break;
      keys[i] = keys[p];
      items[i] = items[p];
      i = p;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** Remove and return the item of the smallest entry; `-1` when empty. */
  pop(): number {
    const keys = this.#keys, items = this.#items;
    if (keys.length === 0) return -1;
    const top = items[0];
    const key = keys.pop()!, item = items.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && this.#less(keys[c + 1], items[c + 1], keys[c], items[c])) c++;
        if (!this.#less(keys[c], items[c], key, item)) break;
        keys[i] = keys[c];
        items[i] = items[c];
        i = c;
      }
      keys[i] = key;
      items[i] = item;
    }
    return top;
  }

  #less(ka: number, ia: number, kb: number, ib: number): boolean {
    return ka < kb || (ka === kb && ia < ib);
  }
}
