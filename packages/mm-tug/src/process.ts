// Waiting, for the arbiter and the players (whether a pid still lives is @mm/cli's processAlive).

/** Resolves after `ms` milliseconds (a timer, so the event loop keeps turning). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
