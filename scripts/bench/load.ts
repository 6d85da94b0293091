import autocannon from 'autocannon';
import { countersOf, cpuOf, type ViewTarget } from './readings';

export interface LoadSettings {
  readonly connections: number;
  /** Seconds per target per round. */
  readonly duration: number;
  readonly rounds: number;
}

/** One target's figures, one entry per round. */
export interface Samples {
  readonly rps: number[];
  readonly p50: number[];
  readonly p99: number[];
  /** The serving process's CPU time per request (user + system, µs): machine load inflates req/s far more than it. */
  readonly cpuUs: number[];
  /**
   * A gated kind's SQL queries per view over the round, counted by the app: over every view of
   * the round rather than a short sample, so that a reload the settings get every few seconds,
   * whoever triggers it, weighs what it does per view.
   */
  readonly sql: number[];
  errors: number;
}

const run = (target: ViewTarget, connections: number, duration: number) =>
  autocannon({ url: target.url, connections, duration, headers: target.cookie ? { cookie: target.cookie } : {} });

/**
 * Every target once per round, each round starting at another target, so that drift on a
 * shared machine (another process waking up, the CPU's clock) hits every target alike and
 * no target always runs first or last. A 2 s warm-up each first lets V8 optimise.
 */
export async function alternatingRounds(targets: readonly ViewTarget[], settings: LoadSettings): Promise<Map<string, Samples>> {
  const samples = new Map<string, Samples>(targets.map((t) => [t.name, { rps: [], p50: [], p99: [], cpuUs: [], sql: [], errors: 0 }]));
  for (const target of targets) await run(target, settings.connections, 2);
  for (let round = 0; round < settings.rounds; round += 1) {
    const start = round % targets.length;
    for (const target of [...targets.slice(start), ...targets.slice(0, start)]) {
      const cpuBefore = target.server ? await cpuOf(target.server) : undefined;
      // Only the app's children count queries (a gated kind says what it must answer).
      const countsBefore = target.server && target.expect !== undefined ? await countersOf(target.server) : undefined;
      const result = await run(target, settings.connections, settings.duration);
      const sample = samples.get(target.name)!;
      if (countsBefore !== undefined) sample.sql.push(((await countersOf(target.server!)).sql - countsBefore.sql) / Math.max(1, result.requests.total));
      if (cpuBefore !== undefined) {
        const cpu = await cpuOf(target.server!);
        sample.cpuUs.push((cpu.user - cpuBefore.user + cpu.system - cpuBefore.system) / Math.max(1, result.requests.total));
      }
      sample.rps.push(result.requests.average);
      sample.p50.push(result.latency.p50);
      sample.p99.push(result.latency.p99);
      sample.errors += result.errors + result.non2xx;
    }
  }
  return samples;
}
