// Long computations on the page's thread, a slice at a time: a generator does its work in steps
// (yielding between them) and `sliced` runs steps for about a frame's budget, then lets the page
// draw and answer input before the next slice. For work that needs the page's own indexes (a
// Web Worker would need them all sent over).

/** Runs `steps` to the end in slices of about `budgetMs`; stops (and never resolves) once
 * `signal` is aborted. */
export function sliced<T>(steps: Generator<void, T>, signal: AbortSignal, budgetMs = 8): Promise<T> {
  return new Promise((resolve, reject) => {
    const slice = (): void => {
      if (signal.aborted) return;
      const until = performance.now() + budgetMs;
      try {
        for (;;) {
          const r = steps.next();
          if (r.done) {
            resolve(r.value);
            return;
          }
          if (performance.now() >= until) break;
        }
      } catch (err) {
        reject(err);
        return;
      }
      setTimeout(slice, 0);
    };
    slice();
  });
}
