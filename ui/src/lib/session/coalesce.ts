/** Runs `work` one at a time: a request made while it runs is queued, and
 *  however many arrive meanwhile, exactly one more run follows. Each
 *  request's promise settles once a run that started after it has ended. */
export function coalesced(work: () => Promise<void>): () => Promise<void> {
  /** The run in progress (or the one a queued follow-up waits for). */
  let current: Promise<void> | null = null;
  /** The follow-up, not started yet. */
  let queued: Promise<void> | null = null;

  const launch = (): Promise<void> => {
    const run = work().finally(() => {
      // With a follow-up queued, requests keep joining it until it starts.
      if (current === run && queued === null) current = null;
    });
    current = run;
    return run;
  };

  return () => {
    if (current === null) return launch();
    queued ??= current
      .catch(() => {})
      .then(() => {
        queued = null;
        return launch();
      });
    return queued;
  };
}
