import autocannon from 'autocannon';
import { cpuOf, type ViewTarget } from './readings';

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
  const samples = new Map<string, Samples>(targets.map((t) => [t.name, { rps: [], p50: [], p99: [], cpuUs: [], errors: 0 }]));
  for (const target of targets) await run(target, settings.connections, 2);
  for (let round = 0; round < settings.rounds; round += 1) {
    const start = round % targets.length;
    for (const target of [...targets.slice(start), ...targets.slice(0, start)]) {
      const cpuBefore = target.server ? await cpuOf(target.server) : undefined;
      const result = await run(target, settings.connections, settings.duration);
      const sample = samples.get(target.name)!;
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
