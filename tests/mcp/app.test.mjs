// The corral MCP App in a real browser (label browser): Debian's Chromium,
// driven by playwright-core, loads a test host page built on the official
// ext-apps host bridge (app-host/), which embeds the App's page exactly as
// `corral serve` serves it (resources/read ui://corral/jobs.html) and routes
// the View's tool calls to a real `corral serve` running real jobs over the
// official SDK client.  It checks what a person sees: the OOM-killed job
// marked as such with its limit, a running job's progress, a queued job's
// position and reason, a job view that explains the outcome and draws its
// usage; and that Cancel reaches the job.  Screenshots go to
// <build>/artifacts/ (CI keeps them).  The page must make no network request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CORRAL, checkServerMessage, instrument, privateStore } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PROGS = process.env.CORRAL_PROGS ?? join(CORRAL, '../tests/progs');
const BUILD = process.env.CORRAL_BUILD ?? dirname(CORRAL);
const ARTIFACTS = join(BUILD, 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const APP_URI = 'ui://corral/jobs.html';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
}
// The text of a locator once it matches re (the App refreshes every 2 s).
const shows = (loc, re, what) => until(what, async () => {
  const t = await loc.first().textContent({ timeout: 1000 });
  return re.test(t ?? '') ? t : null;
});

async function hostPage() {
  const built = await esbuild.build({ entryPoints: [join(here, 'app-host/host.js')], bundle: true,
    format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  return readFileSync(join(here, 'app-host/host.html'), 'utf8')
    .replace('/*HOST*/', () => built.outputFiles[0].text.replace(/<\/script/gi, '<\\/script'));
}

test('the MCP App in Chromium: jobs view, job view, cancel', async (t) => {
  const store = privateStore();
  t.after(store.cleanup);
  // One job at a time, so the third waits in the queue with a reason.
  mkdirSync(join(store.dir, 'governor'), { recursive: true });
  writeFileSync(join(store.dir, 'governor/governor.conf'), 'cpu-threshold = 100\nmax-concurrent = 1\n');
  const transport = new StdioClientTransport({ command: CORRAL, args: [...store.args, 'serve'],
    env: store.env, stderr: 'pipe' });
  const seen = instrument(transport);
  const client = new Client({ name: 'corral-app-test', version: '1.0.0' });
  await client.connect(transport);
  t.after(async () => {
    await client.close();
    for (const { msg, method } of seen.received) checkServerMessage('2025-11-25', msg, method);
  });

  // The tools link the App; the resource is the self-contained page.
  const { tools } = await client.listTools();
  const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
  for (const n of ['run_job', 'submit_job', 'job_status', 'list_jobs', 'system_status', 'cancel_job'])
    assert.equal(byName[n]._meta?.ui?.resourceUri, APP_URI, `${n} links the App`);
  const page0 = (await client.readResource({ uri: APP_URI })).contents[0];
  assert.equal(page0.mimeType, 'text/html;profile=mcp-app');
  assert.match(page0.text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  assert.deepEqual(page0._meta.ui.csp, { connectDomains: [], resourceDomains: [] });

  // Real jobs: one killed by the OOM killer, one running with progress, one queued.
  const oom = await client.callTool({ name: 'run_job', arguments: {
    command: [join(PROGS, 'memclimb'), '200', '40'], limits: { memory: '32M' } } });
  assert.equal(oom.structuredContent.status, 'oom_killed');
  const oomId = oom.structuredContent.job_id;
  const run = await client.callTool({ name: 'submit_job', arguments: {
    command: ['/bin/sh', '-c', 'echo "Progress: 40%"; echo "indexing shard 4 of 10 <b>not markup</b>"; exec sleep 300'],
    limits: { memory: '64M' } } });
  const runId = run.structuredContent.job_id;
  await until('the running job\'s progress', async () => {
    const s = (await client.callTool({ name: 'job_status', arguments: { job_id: runId } })).structuredContent;
    return s.status === 'running' && s.progress.percent === 40;
  });
  const queued = await client.callTool({ name: 'submit_job', arguments: { command: ['/bin/true'] } });
  const queuedId = queued.structuredContent.job_id;
  const qs = await until('the queued job', async () => {
    const s = (await client.callTool({ name: 'job_status', arguments: { job_id: queuedId } })).structuredContent;
    return s.status === 'queued' && s.reason ? s : null;
  });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, colorScheme: 'light' });
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.exposeFunction('corralRequest', async (method, params) => (method === 'tools/call'
    ? client.callTool(params) : client.readResource(params)));
  await page.setContent(await hostPage());

  // The jobs view, opened as a client opens it after list_jobs.
  const list = await client.callTool({ name: 'list_jobs', arguments: {} });
  const appInfo = await page.evaluate((a) => window.corralHost.open(a),
    { html: page0.text, toolInput: {}, toolResult: list, theme: 'light' });
  assert.equal(appInfo.name, 'corral-jobs');
  const app = page.frameLocator('iframe');
  const row = (id) => app.locator(`tr[data-job="${id}"]`);
  await shows(row(oomId), /oom_killed.*32 MiB limit/, 'the OOM-killed job with its limit');
  await shows(row(runId), /40%.*indexing shard 4 of 10 <b>not markup<\/b>/, 'the running job\'s progress');
  assert.equal(await app.locator('tr.job b').count(), 0, 'job output is shown as text, never as markup');
  await shows(row(runId), /\/ 64 MiB/, 'the running job\'s memory against its limit');
  await shows(row(queuedId), new RegExp(`#${qs.queue_position}.*${qs.reason.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    'the queued job\'s position and reason');
  await shows(app.locator('.host'), /memory.*admits below.*cpu/s, 'host memory and CPU against thresholds');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'mcp-app-jobs.png') });

  // The OOM-killed job's view: the outcome in words, its usage drawn.
  await row(oomId).click();
  await shows(app.locator('.explain'), /ran out of memory: it reached its 32 MiB limit/, 'the outcome explained');
  await shows(app.locator('figcaption').first(), /Memory: at most .* of 32 MiB/, 'the memory chart against the limit');
  assert.ok(await app.locator('svg.chart path.line').count() >= 1, 'usage drawn');
  await app.locator('button.retry').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'mcp-app-job-oom.png') });

  // The running job's view (dark theme): Cancel reaches the job.
  await page.evaluate(() => window.corralBridge.sendHostContextChange({ theme: 'dark' }));
  await app.locator('a.back').click();
  await row(runId).click();
  await shows(app.locator('.explain'), /^Running/, 'the running job\'s view');
  await page.screenshot({ path: join(ARTIFACTS, 'mcp-app-job-running-dark.png') });
  await app.locator('button.cancel').click();
  await until('the job cancelled', async () => (await client.callTool({ name: 'job_status',
    arguments: { job_id: runId } })).structuredContent.status === 'cancelled');
  await shows(app.locator('.badge'), /cancelled/, 'the view shows the cancellation');

  assert.deepEqual(errors, [], 'no script error in the page');
  assert.deepEqual(requests.filter((u) => /^(https?|wss?|ftp):/.test(u)), [], 'no network request');
});
