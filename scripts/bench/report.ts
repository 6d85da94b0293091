import { writeFileSync } from 'node:fs';
import type { Samples } from './load';
import type { PerView } from './readings';

export interface Kind {
  readonly name: string;
  /** Gated kinds are held to the targets; the bare servers and the control are yardsticks. */
  readonly gated: boolean;
  /** Its own Redis round-trip target (issue 12: 1 for an anonymous reader, else 2). */
  readonly redisTrips?: number;
}

export interface Row {
  readonly kind: string;
  readonly 'req/s': number;
  readonly 'req/s range': string;
  readonly 'vs bare Express': string;
  readonly 'ratio range': string;
  readonly 'p50 ms': number;
  readonly 'p99 ms': number;
  readonly 'server CPU µs/req': number | string;
  readonly 'CPU vs bare Express': string;
  readonly 'redis trips/view': number | string;
  readonly 'redis cmds/view': number | string;
  readonly 'sql/view': number | string;
  readonly errors: number;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ratio = (value: number) => `${value.toFixed(2)}x`;
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * One row per kind: medians over rounds, and the ratio to bare Express taken round by round
 * (each kind against the bare Express run of the same round), with its spread.
 */
export function tableOf(kinds: readonly Kind[], samples: Map<string, Samples>, perView: Map<string, PerView>, bareExpress: string): Row[] {
  const yardstick = samples.get(bareExpress)!.rps;
  const yardstickCpu = samples.get(bareExpress)!.cpuUs;
  return kinds.map((kind) => {
    const s = samples.get(kind.name)!;
    const ratios = s.rps.map((rps, round) => rps / yardstick[round]!);
    const costs = perView.get(kind.name);
    return {
      kind: kind.name,
      'req/s': Math.round(median(s.rps)),
      'req/s range': `${Math.round(Math.min(...s.rps))}-${Math.round(Math.max(...s.rps))}`,
      'vs bare Express': ratio(median(ratios)),
      'ratio range': `${ratio(Math.min(...ratios))}-${ratio(Math.max(...ratios))}`,
      'p50 ms': median(s.p50),
      'p99 ms': median(s.p99),
      'server CPU µs/req': s.cpuUs.length > 0 ? Math.round(median(s.cpuUs)) : '-',
      'CPU vs bare Express': s.cpuUs.length > 0 && yardstickCpu.length > 0 ? ratio(median(s.cpuUs) / median(yardstickCpu)) : '-',
      'redis trips/view': costs ? round2(costs.redisTrips) : '-',
      'redis cmds/view': costs ? round2(costs.redis) : '-',
      'sql/view': s.sql.length > 0 ? round2(median(s.sql)) : costs ? round2(costs.sql) : '-',
      errors: s.errors,
    };
  });
}

/** Issue 12's targets, checked for the gated kinds. */
export function missesOf(kinds: readonly Kind[], rows: readonly Row[], samples: Map<string, Samples>, bareExpress: string, bytesPerReader: number): string[] {
  const yardstick = median(samples.get(bareExpress)!.rps);
  const misses: string[] = [];
  kinds.forEach((kind, i) => {
    const row = rows[i]!;
    if (row.errors > 0) misses.push(`${kind.name}: ${row.errors} errors`);
    if (!kind.gated) return;
    if (row['req/s'] < 0.6 * yardstick) misses.push(`${kind.name}: ${row['vs bare Express']} of bare Express (target 0.6x)`);
    if (row['p99 ms'] > 25) misses.push(`${kind.name}: p99 ${row['p99 ms']} ms (target 25 ms)`);
    // The server's timers (funnel flush, meter pruner) add a few hundredths over 200 views.
    const trips = row['redis trips/view'];
    if (typeof trips === 'number' && Math.round(trips * 10) / 10 > (kind.redisTrips ?? 2)) misses.push(`${kind.name}: ${trips} Redis round trips (target ${kind.redisTrips ?? 2})`);
    const queries = row['sql/view'];
    if (typeof queries === 'number' && queries > 0) misses.push(`${kind.name}: ${queries} SQL queries (target 0)`);
  });
  if (bytesPerReader > 160) misses.push(`${bytesPerReader} Redis bytes per reader (target 160)`);
  return misses;
}

export function printTable(heading: string, rows: readonly Row[]): void {
  console.log(`\n${heading}`);
  console.table(rows);
}

/** BENCH_PROFILE: the costliest layers of each kind, by time to hand off, per view. */
export function printLayers(perView: Map<string, PerView>, top = 8): void {
  for (const [kind, costs] of perView) {
    if (costs.layers.length === 0) continue;
    const total = costs.layers.reduce((sum, l) => sum + l.syncUs, 0);
    console.log(`\nMiddleware layers, ${kind} (µs per view, sequential views; own CPU ${Math.round(total)} µs in all):`);
    console.table(
      [...costs.layers]
        .sort((a, b) => b.handOffUs - a.handOffUs)
        .slice(0, top)
        .map((l) => ({ layer: l.name, 'own CPU µs': Math.round(l.syncUs), 'to hand-off µs': Math.round(l.handOffUs), 'calls/view': round2(l.calls) })),
    );
  }
}

export function writeJson(file: string, value: unknown): void {
  if (file) writeFileSync(file, JSON.stringify(value, null, 2));
}
