/**
 * A value made on first use and kept for the life of the container. Configuration and clients are
 * created this way rather than when their module is imported, so any module can be imported
 * anywhere (a test, a benchmark, a second local stack) without its environment; a missing
 * variable still fails loudly, naming itself, on the first call that needs it.
 */
export function lazy<T>(create: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: create() };
    return made.value;
  };
}
