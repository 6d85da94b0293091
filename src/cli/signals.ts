/**
 * Resolves at the first SIGINT (Ctrl+C) or SIGTERM. Asked for only by a command that runs
 * until stopped: listening for them otherwise would keep Ctrl+C from ending a migration.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}
