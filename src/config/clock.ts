/** The time in epoch milliseconds: the one clock type, injected wherever time is read. */
export type Clock = () => number;

export const systemClock: Clock = Date.now;
