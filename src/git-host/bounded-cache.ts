/** A map that keeps its most recently used entries within a budget of bytes. */
export interface BoundedCache<K, V> {
  /** The value, counted as used now. */
  get(key: K): V | undefined;
  /** The value, without counting it as used. */
  peek(key: K): V | undefined;
  /** Keeps a value (dropping the least recently used to make room); a value over the entry limit is not kept, and drops the key's old one. */
  set(key: K, value: V): void;
  delete(key: K): boolean;
  keys(): IterableIterator<K>;
  /** Entries held now. */
  readonly size: number;
  /** Bytes held now, as `sizeOf` counts them. */
  readonly bytes: number;
}

export interface BoundedCacheOptions<V> {
  /** Most bytes held at once. */
  maxBytes: number;
  /** Largest entry kept: one large value must not push out everything else. @default maxBytes / 8 */
  maxEntryBytes?: number | undefined;
  /** The bytes a value holds (an estimate is enough; it is counted once, when the value is kept). */
  sizeOf(value: V): number;
}

/** Creates a least-recently-used cache bounded by bytes, not entries: entries vary from a few bytes to megabytes. */
export function createBoundedCache<K, V>(options: BoundedCacheOptions<V>): BoundedCache<K, V> {
  const maxEntry = Math.min(options.maxEntryBytes ?? Math.floor(options.maxBytes / 8), options.maxBytes);
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<K, { value: V; bytes: number }>();
  let bytes = 0;
  const remove = (key: K): boolean => {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    bytes -= entry.bytes;
    return true;
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    peek: (key) => entries.get(key)?.value,
    set(key, value) {
      remove(key);
      const size = options.sizeOf(value);
      if (size > maxEntry) return;
      entries.set(key, { value, bytes: size });
      bytes += size;
      for (const oldest of entries.keys()) {
        if (bytes <= options.maxBytes) break;
        remove(oldest);
      }
    },
    delete: remove,
    keys: () => entries.keys(),
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
