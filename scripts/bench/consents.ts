import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../src/store/database';
import { memoryOf } from './readings';

export interface ConsentExport {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly heapBefore: number;
  readonly heapPeak: number;
}

/**
 * Generates `count` consent records in the database (one statement: the bench measures the
 * export, not the import), then downloads them all as CSV through the admin API while
 * sampling the server's memory.
 */
export async function consentExport(base: string, child: ChildProcess, handle: DatabaseHandle, apiKey: string, count: number): Promise<ConsentExport> {
  await sql`insert into consents (account_id, document, policy_version, wording, method, accepted_at)
    select 'bench-' || (g / 2)::text, case when g % 2 = 0 then 'terms' else 'privacy' end, '1',
           'By continuing you agree to our Privacy Policy and Terms of Use.', 'signup',
           to_char(timestamp '2026-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    from generate_series(1, ${count}) as g`.execute(handle.db);
  const before = await memoryOf(child);
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sampler = setInterval(() => {
    void memoryOf(child).then((m) => {
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    });
  }, 100);
  const started = performance.now();
  const response = await fetch(`${base}/admin/api/consents.csv`, { headers: { authorization: `Bearer ${apiKey}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines += 1;
  }
  clearInterval(sampler);
  return { rows: lines - 1, bytes, seconds: (performance.now() - started) / 1000, rssBefore: before.rss, rssPeak, heapBefore: before.heapUsed, heapPeak };
}

export function describeExport(exported: ConsentExport): string {
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
  const growth = Math.round(((exported.rssPeak - exported.rssBefore) / exported.rssBefore) * 100);
  return `Consent export: ${exported.rows} records, ${mb(exported.bytes)} of CSV in ${exported.seconds.toFixed(1)} s; server RSS ${mb(exported.rssBefore)} before, ${mb(exported.rssPeak)} at peak (+${growth}%), heap ${mb(exported.heapBefore)} before, ${mb(exported.heapPeak)} at peak`;
}
