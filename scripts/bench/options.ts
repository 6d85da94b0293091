/** The bench's command line (see scripts/bench.ts for what each option does). */
export interface BenchOptions {
  readonly duration: number;
  readonly rounds: number;
  readonly connections: number;
  readonly consents: number;
  readonly json: string;
  readonly soak: boolean;
  readonly soakSeconds: number;
  /** --cluster: the gated views against a 3-master Redis Cluster too, in the same table. */
  readonly cluster: boolean;
  /** --webhooks: only the webhook burst, with its CPU per event by process and its queries per event. */
  readonly webhooksOnly: boolean;
  /** BENCH_PROFILE: the per-middleware breakdown; a directory value also gets a V8 CPU profile. */
  readonly profile: { readonly layers: boolean; readonly cpuDir: string | undefined };
}

function option(argv: readonly string[], name: string, fallback: string): string {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 && argv[index + 1] ? argv[index + 1]! : fallback;
}

function positive(argv: readonly string[], name: string, fallback: number): number {
  const value = Number(option(argv, name, String(fallback)));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

export function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const profile = env.BENCH_PROFILE ?? '';
  const flag = ['', '0', 'false'].includes(profile) ? undefined : profile;
  return {
    duration: positive(argv, 'duration', 5),
    rounds: Math.round(positive(argv, 'rounds', 3)),
    connections: Math.round(positive(argv, 'connections', 32)),
    consents: Math.round(positive(argv, 'consents', 1_000_000)),
    json: option(argv, 'json', ''),
    soak: argv.includes('--soak'),
    soakSeconds: positive(argv, 'soak-seconds', 60),
    cluster: argv.includes('--cluster'),
    webhooksOnly: argv.includes('--webhooks'),
    profile: { layers: flag !== undefined, cpuDir: flag !== undefined && !['1', 'true', 'layers'].includes(flag) ? flag : undefined },
  };
}
