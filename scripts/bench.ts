/**
 * npm run bench: the gate's cost per view kind, in production mode against real PostgreSQL
 * and Redis (TEST_DATABASE_URL, TEST_REDIS_URL or the machine's defaults).
 *
 * Every server runs in its own child process so that the load generator does not share its
 * event loop: the app, and the two limits it is measured against, bare node:http and bare
 * Express 5, each serving the bytes and headers of the same article page the app rendered.
 * All of them are loaded in the same alternating rounds (scripts/bench/load.ts); the table
 * gives medians, the req/s range, and the ratio to bare Express round by round with its range.
 * For each gated kind it also gives the Redis round trips and SQL queries per view (counted
 * inside the server), then the Redis memory of one anonymous reader after three reads, the
 * webhook's throughput for a burst of 2,000 signed events, and the memory of a consent
 * export of --consents records (default 1,000,000).
 * The origin mode (SPEC section 11) has rows of its own in the same rounds: a second app child
 * with ORIGIN_URL on a static origin child serving ~150 KB news pages (scripts/bench/origin.ts),
 * each also against the Markdown anonymous view; then the cut of such a page timed alone, and
 * the origin app's memory while 2,000 distinct pages go through its 16 MB cache.
 *
 * Options: --duration <s> per kind per round (default 5), --rounds <n> (default 3),
 * --connections <n> (default 32), --consents <n>, --json <file>;
 * --soak [--soak-seconds <s>] runs the soak instead (200 connections, 60 s);
 * --webhooks runs only the webhook burst (its CPU per event by process, its queries per event).
 * BENCH_PROFILE=1 times every middleware layer inside the server and prints the costliest
 * per kind; BENCH_PROFILE=<dir> does that and also writes a V8 CPU profile of the server there.
 * BENCH_SQL_LOG=1 has the server print every SQL statement it sends (to stderr).
 */
import { createFixtures, raiseNewReaderBound, signUp } from './bench/fixtures';
import { readOptions, type BenchOptions } from './bench/options';
import { roleOf, startChild, stopChild, type Served } from './bench/processes';
import { serveApp } from './bench/server';
import { serveBare } from './bench/baselines';
import { bareExpress, markdownAnonymous, measureViews } from './bench/views';
import { missesOf, printLayers, printTable, tableOf, writeJson } from './bench/report';
import { describeBurst, webhookBurst } from './bench/webhooks';
import { consentExport, describeExport } from './bench/consents';
import { soak } from './bench/soak';
import { crawlerVerificationCost } from './bench/crawlers';
import { cutTimes, describeMemory, fillCache, originViews, versusMarkdown, type OriginViews } from './bench/origin';
import { serveStaticOrigin } from './bench/origin-page';

/** A renewal run's burst: long enough that the first second (V8 still optimising) does not set the rate. */
const webhookEvents = 2000;

async function main(options: BenchOptions): Promise<void> {
  const fixtures = await createFixtures();
  let app: Served | undefined;
  let origin: OriginViews | undefined;
  try {
    const execArgv = options.profile.cpuDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profile.cpuDir}`] : [];
    const serverEnv = { ...fixtures.env, BENCH_PROFILE_LAYERS: options.profile.layers ? '1' : '0' };
    app = await startChild(__filename, 'app', { env: serverEnv, execArgv });
    await raiseNewReaderBound(app.base, fixtures.apiKey);
    const registered = await signUp(app.base);
    if (options.soak) return await soak(app.base, app.child, registered.cookie, options.soakSeconds);
    if (options.webhooksOnly) return console.log(describeBurst(await webhookBurst(app, fixtures.stripe, fixtures.handle, webhookEvents, options.connections), options.connections));

    origin = await originViews(__filename, fixtures, { env: serverEnv, execArgv });
    const views = await measureViews(__filename, app, fixtures, registered.cookie, options, [origin]);
    const rows = tableOf(views.kinds, views.samples, views.perView, bareExpress);
    const misses = missesOf(views.kinds, rows, views.samples, bareExpress, views.bytesPerReader);
    const { connections, rounds, duration } = options;
    printTable(`Gatehouse bench: ${connections} connections, ${rounds} rounds of ${duration} s per kind (medians; ratio to bare Express per round), production mode (PostgreSQL + Redis), ${new Date().toISOString()}`, rows);
    console.log(`Page served by the bare servers: the anonymous view of the article, ${views.page.bodyBytes} bytes of body and about ${views.page.headerBytes} bytes of headers`);
    console.log(`Redis bytes per anonymous reader after 3 reads (MEMORY USAGE): ${views.bytesPerReader}`);
    const versus = versusMarkdown(origin.kinds, views.samples, markdownAnonymous);
    for (const v of versus) console.log(`${v.name} vs the Markdown anonymous view: ${v.ratio.toFixed(2)}x (rounds ${v.low.toFixed(2)}x-${v.high.toFixed(2)}x)`);
    const cutView = versus.find((v) => v.name.includes('(cut)'))!;
    if (cutView.ratio < 0.8) misses.push(`${cutView.name}: ${cutView.ratio.toFixed(2)}x of the Markdown view (target 0.8x)`);
    if (options.profile.layers) printLayers(views.perView);
    const cut = cutTimes();
    console.log(`Origin cut of a ${cut.pageBytes}-byte page (analysePage + one 'cut' render, fresh parse each, ${cut.runs} runs): median ${cut.medianMs} ms, p90 ${cut.p90Ms} ms (analysePage alone: median ${cut.parseMedianMs} ms)`);
    if (cut.medianMs > 2) misses.push(`origin cut: median ${cut.medianMs} ms (target 2 ms)`);
    const memory = await fillCache(origin.app, 2000, 500);
    console.log(describeMemory(memory));

    const webhooks = await webhookBurst(app, fixtures.stripe, fixtures.handle, webhookEvents, connections);
    console.log(describeBurst(webhooks, connections));
    if (webhooks.perSecond < 500) misses.push(`webhooks: ${Math.round(webhooks.perSecond)} events/s (target 500)`);
    if (webhooks.failures > 0) misses.push(`webhooks: ${webhooks.failures} failures`);
    const crawlerCost = await crawlerVerificationCost();
    console.log(`Crawler verification (${crawlerCost.addresses} Googlebot addresses, loopback resolver): first ${crawlerCost.firstUs} µs, cached ${crawlerCost.cachedUs} µs, no crawler claimed ${crawlerCost.noClaimUs} µs`);
    const exported = await consentExport(app.base, app.child, fixtures.handle, fixtures.apiKey, options.consents);
    console.log(describeExport(exported));
    console.log(misses.length === 0 ? 'All targets met.' : `Targets missed:\n  ${misses.join('\n  ')}`);
    const samples = Object.fromEntries(views.samples);
    const perView = Object.fromEntries(views.perView);
    writeJson(options.json, { options, rows, samples, perView, page: views.page, bytesPerReader: views.bytesPerReader, origin: { versus, cut, memory }, webhooks, crawlerCost, exported, misses });
  } finally {
    await origin?.stop();
    await stopChild(app);
    await fixtures.tearDown();
  }
}

function run(work: () => Promise<void>, failure: string): void {
  work().catch((error: unknown) => {
    console.error(failure, error);
    process.exit(1);
  });
}

const role = roleOf(process.argv);
if (role === 'app') run(serveApp, 'bench server failed:');
else if (role === 'bare-node' || role === 'bare-express' || role === 'bare-express-born') run(() => serveBare(role), `bench ${role} failed:`);
else if (role === 'static-origin') run(serveStaticOrigin, 'bench origin failed:');
else run(() => main(readOptions(process.argv, process.env)), 'bench failed:');
