// The job tools, job-backed tasks, job resources and the tool catalog of
// `corral serve`, driven by the official TypeScript SDK client over stdio.
// Real jobs run in real cgroups: each server gets its own --state-dir and
// cgroup parent (lib.mjs privateStore) and everything is removed afterwards.
// The governor may keep a job queued while the shared host is busy: polls
// allow a minute, and nothing asserts a duration.
// Every message corral sends is validated against the 2025-11-25 schema.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { CORRAL, checkServerMessage, instrument, ourSupervisors, privateStore } from './lib.mjs';

const PROGS = process.env.CORRAL_PROGS ?? join(CORRAL, '../tests/progs');
const MEMHOG = join(PROGS, 'memhog');
const SRC = join(dirname(fileURLToPath(import.meta.url)), '../..');

// Cleanups run in reverse order of registration (node runs t.after hooks in
// order): a server is closed before its store is removed, so no server sees
// its store vanish under it.  The first error is reported after all ran.
function defer(t, fn) {
  if (!t.deferred) {
    const fns = (t.deferred = []);
    t.after(async () => {
      let first;
      for (const f of fns.reverse()) {
        try { await f(); } catch (e) { first ??= e; }
      }
      if (first) throw first;
    });
  }
  t.deferred.push(fn);
}

async function start(store, extra = []) {
  const transport = new StdioClientTransport({
    command: CORRAL, args: [...store.args, 'serve', ...extra], env: store.env, stderr: 'pipe',
  });
  const seen = instrument(transport);
  const client = new Client({ name: 'corral-jobs-test', version: '1.0.0' },
                            { capabilities: { tasks: {} } });
  await client.connect(transport);
  return { client, seen, close: () => client.close() };
}

// One store per test; the server is closed and the store cleaned even on failure.
async function session(t, extra = []) {
  const store = privateStore();
  t.store = store;
  defer(t, store.cleanup);
  const s = await start(store, extra);
  defer(t, async () => {
    await s.close();
    for (const { msg, method } of s.seen.received) checkServerMessage('2025-11-25', msg, method);
  });
  return { ...s, store };
}

async function collect(stream) {
  const out = [];
  for await (const m of stream) out.push(m);
  return out;
}

const text = (r) => r.content.map((c) => c.text).join('\n');

test('tools/list: the job tools with schemas, annotations and task support', async (t) => {
  const { client } = await session(t);
  const { tools } = await client.listTools();
  const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
  for (const n of ['submit_job', 'job_status', 'job_result', 'job_logs', 'wait_job', 'run_job',
                   'cancel_job', 'retry_job', 'list_jobs', 'system_status']) {
    assert.ok(byName[n], `${n} listed`);
    assert.equal(byName[n].inputSchema.type, 'object');
    assert.equal(byName[n].outputSchema.type, 'object');
    assert.equal(typeof byName[n].annotations.readOnlyHint, 'boolean');
  }
  assert.equal(byName.run_job.execution.taskSupport, 'optional');
  assert.equal(byName.submit_job.execution.taskSupport, 'forbidden');
  assert.equal(byName.job_status.annotations.readOnlyHint, true);
  assert.equal(byName.cancel_job.annotations.destructiveHint, true);
  assert.deepEqual(byName.submit_job.inputSchema.required, ['command']);
});

test('outcomes read differently: OOM kill, exit code, success with progress and results', async (t) => {
  const { client, seen } = await session(t);

  const oom = await client.callTool({ name: 'run_job', arguments: {
    command: [MEMHOG, '200'], limits: { memory: '32M' } } });
  assert.equal(oom.isError, true);
  assert.equal(oom.structuredContent.status, 'oom_killed');
  assert.equal(oom.structuredContent.oom_kills >= 1, true);
  assert.equal(oom.structuredContent.memory_limit_bytes, 32 * 1024 * 1024);
  assert.equal(oom.structuredContent.signal, 'SIGKILL');
  assert.match(text(oom), /oom_killed: 32 MiB limit, peak \d+/);
  // The metrics resource counts the OOM kill (Prometheus text, as `corral metrics`).
  const { resources: listed } = await client.listResources();
  assert.ok(listed.some((r) => r.uri === 'corral://metrics'));
  const metrics = (await client.readResource({ uri: 'corral://metrics' })).contents[0].text;
  assert.match(metrics, /^# TYPE corral_oom_kills_total counter$/m);
  assert.match(metrics, /^corral_oom_kills_total\{tenant="default"\} [1-9]/m);
  assert.match(metrics, /^corral_jobs\{tenant="default",status="oom_killed"\} 1$/m);

  const fail = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'echo something broke >&2; exit 3'] } });
  assert.equal(fail.isError, true);
  assert.equal(fail.structuredContent.status, 'failed');
  assert.equal(fail.structuredContent.exit_code, 3);
  assert.equal(fail.structuredContent.oom_kills, 0);
  assert.match(fail.structuredContent.stderr_tail, /something broke/);
  assert.match(text(fail), /failed: exit code 3/);
  assert.doesNotMatch(text(fail), /oom_killed/);

  const killed = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'kill -USR1 $$'] } });
  assert.equal(killed.structuredContent.status, 'killed');
  assert.equal(killed.structuredContent.signal, 'SIGUSR1');
  assert.match(text(killed), /killed: signal SIGUSR1/);

  const slow = await client.callTool({ name: 'run_job', arguments: {
    command: ['sleep', '30'], limits: { timeout: 1 } } });
  assert.equal(slow.structuredContent.status, 'timed_out');
  assert.equal(slow.structuredContent.timeout_seconds, 1);
  assert.match(text(slow), /timed_out/);

  const progress = [];
  const ok = await client.callTool({ name: 'run_job', arguments: {
    // The supervisor samples progress every 0.5 s: 2 s leave room on a busy host.
    command: ['sh', '-c', 'echo "Progress: 50%"; sleep 2; echo \'{"answer": 42}\' > results.json; echo "Progress: 100%"'],
    limits: { memory: '64M', timeout: '60s' } } }, undefined,
    { onprogress: (p) => progress.push(p), timeout: 60000 });
  assert.equal(ok.isError, undefined);
  assert.equal(ok.structuredContent.status, 'completed');
  assert.equal(ok.structuredContent.exit_code, 0);
  assert.deepEqual(ok.structuredContent.results, { answer: 42 });
  assert.match(text(ok), /completed: exit code 0/);
  assert.match(text(ok), /"answer":42/);
  // What it printed reaches a client that reads only the text, as a shell
  // tool's output would.
  assert.equal(ok.structuredContent.stdout_tail, 'Progress: 50%\nProgress: 100%\n');
  assert.match(text(ok), /stdout \(end\):\nProgress: 50%\nProgress: 100%/);
  assert.equal(fail.structuredContent.stdout_tail, null);
  // The 50% went out as a progress notification while the job ran.
  const wire = seen.received.filter((x) => x.msg.method === 'notifications/progress');
  assert.ok(wire.some((x) => x.msg.params.progress === 50 && x.msg.params.total === 100),
            JSON.stringify(wire.map((x) => x.msg.params)));

  const st = await client.callTool({ name: 'job_status', arguments: { job_id: ok.structuredContent.job_id } });
  assert.equal(st.structuredContent.progress.percent, 100);
  const logs = await client.callTool({ name: 'job_logs', arguments: {
    job_id: ok.structuredContent.job_id, stream: 'stdout' } });
  assert.match(logs.structuredContent.text, /Progress: 50%\nProgress: 100%/);
  assert.equal(logs.structuredContent.eof, true);
  const tail = await client.callTool({ name: 'job_logs', arguments: {
    job_id: ok.structuredContent.job_id, stream: 'stdout', tail: 15 } });
  assert.equal(tail.structuredContent.text, 'Progress: 100%\n');

  // Invalid UTF-8 in a log comes back as valid text.
  const bin = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'printf "a\\377\\376b\\n"'] } });
  const binlog = await client.callTool({ name: 'job_logs', arguments: {
    job_id: bin.structuredContent.job_id, stream: 'stdout' } });
  assert.equal(binlog.structuredContent.text, 'a\uFFFD\uFFFDb\n');
  assert.equal(bin.structuredContent.stdout_tail, 'a\uFFFD\uFFFDb\n');
  // Only the end of a long output, cut at a character boundary.
  const long = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'seq 100000; echo the-end'] } });
  const lt = long.structuredContent.stdout_tail;
  assert.ok(lt.length <= 4096 && lt.length > 4000, String(lt.length));
  assert.match(lt, /\n99999\n100000\nthe-end\n$/);
  assert.match(text(long), /stdout \(end\):\n[\s\S]*the-end/);

  // A bad limit is the CLI's sentence, as a tool error; nothing runs.
  const bad = await client.callTool({ name: 'submit_job', arguments: {
    command: ['true'], limits: { memory: 'lots' } } });
  assert.equal(bad.isError, true);
  assert.match(text(bad), /memory/);

  const list = await client.callTool({ name: 'list_jobs', arguments: { limit: 2 } });
  assert.equal(list.structuredContent.jobs.length, 2);
  assert.equal(list.structuredContent.jobs[0].status, 'oom_killed');
  const next = await client.callTool({ name: 'list_jobs', arguments: {
    limit: 100, cursor: list.structuredContent.next_cursor } });
  assert.equal(next.structuredContent.jobs.length, 5);
  assert.equal(next.structuredContent.next_cursor, null);
  const failed = await client.callTool({ name: 'list_jobs', arguments: { status: 'failed' } });
  assert.deepEqual(failed.structuredContent.jobs.map((j) => j.job_id), [fail.structuredContent.job_id]);

  const sys = await client.callTool({ name: 'system_status', arguments: {} });
  assert.equal(typeof sys.structuredContent.memory.used_percent, 'number');
  assert.equal(sys.structuredContent.state_dir, t.store?.dir ?? sys.structuredContent.state_dir);
});

test('submit, wait_job with progress notifications, cancel, retry', async (t) => {
  const { client, seen } = await session(t);
  const sub = await client.callTool({ name: 'submit_job', arguments: {
    command: ['sh', '-c', 'echo "Progress: 25%"; sleep 2; echo "Progress: 75%"; sleep 2'],
    job_id: 'waited-job' } });
  assert.deepEqual(sub.structuredContent, { job_id: 'waited-job', status: 'queued' });

  // Without a progress token: the first change ends the wait.
  const first = await client.callTool({ name: 'wait_job', arguments: { job_id: 'waited-job', timeout: 30 } });
  assert.equal(first.structuredContent.changed, true);

  // With one: each change is a notification, and it returns at the end.
  const got = [];
  const done = await client.callTool({ name: 'wait_job', arguments: { job_id: 'waited-job', timeout: 60 } },
                                     undefined, { onprogress: (p) => got.push(p), timeout: 70000 });
  assert.equal(done.structuredContent.status, 'completed');
  assert.equal(done.structuredContent.terminal, true);
  const wire = seen.received.filter((x) => x.msg.method === 'notifications/progress')
                            .map((x) => x.msg.params.progress);
  assert.ok(wire.includes(75), JSON.stringify(wire));

  // A bounded wait on a long job returns with the job still running.
  await client.callTool({ name: 'submit_job', arguments: { command: ['sleep', '60'], job_id: 'long' } });
  const short = await client.callTool({ name: 'wait_job', arguments: { job_id: 'long', timeout: 1 } });
  assert.equal(short.structuredContent.terminal, false);

  const c = await client.callTool({ name: 'cancel_job', arguments: { job_id: 'long' } });
  assert.equal(c.structuredContent.status, 'cancelled');
  assert.match(text(c), /cancelled/);
  const again = await client.callTool({ name: 'cancel_job', arguments: { job_id: 'long' } });
  assert.equal(again.structuredContent.status, 'cancelled', 'idempotent');

  // A client that gives up on run_job (notifications/cancelled) stops its job.
  const ac = new AbortController();
  const gone = client.callTool({ name: 'run_job', arguments: { command: ['sleep', '60'], job_id: 'abandoned' } },
                               undefined, { signal: ac.signal });
  for (let i = 0; i < 600; i++) {
    const s = await client.callTool({ name: 'job_status', arguments: { job_id: 'abandoned' } });
    if (!s.isError && s.structuredContent.status === 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  ac.abort('not needed any more');
  await assert.rejects(gone);
  const ab = await client.callTool({ name: 'wait_job', arguments: { job_id: 'abandoned', timeout: 60 } },
                                   undefined, { onprogress: () => {}, timeout: 70000 });
  assert.equal(ab.structuredContent.status, 'cancelled');

  const r = await client.callTool({ name: 'retry_job', arguments: { job_id: 'waited-job' } });
  assert.equal(r.structuredContent.retry_of, 'waited-job');
  assert.notEqual(r.structuredContent.job_id, 'waited-job');
  const missing = await client.callTool({ name: 'job_status', arguments: { job_id: 'no-such-job' } });
  assert.equal(missing.isError, true);
});

test('tasks: run_job as a task is the job; an OOM task fails with the outcome', async (t) => {
  const { client } = await session(t);
  const tasks = client.experimental.tasks;
  const ok = await collect(tasks.callToolStream({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'echo \'{"n": 1}\' > results.json'] } }, undefined, { task: { ttl: 600000 } }));
  assert.equal(ok[0].type, 'taskCreated');
  const taskId = ok[0].task.taskId;
  assert.equal(ok.at(-1).type, 'result', JSON.stringify(ok.at(-1)));
  assert.deepEqual(ok.at(-1).result.structuredContent.results, { n: 1 });
  // The task id is the job id.
  const st = await client.callTool({ name: 'job_status', arguments: { job_id: taskId } });
  assert.equal(st.structuredContent.status, 'completed');
  assert.equal((await tasks.getTask(taskId)).status, 'completed');

  const oom = await collect(tasks.callToolStream({ name: 'run_job', arguments: {
    command: [MEMHOG, '200'], limits: { memory: '32M' } } }, undefined, { task: { ttl: 600000 } }));
  const oomId = oom[0].task.taskId;
  assert.equal(oom.at(-1).type, 'error');
  const task = await tasks.getTask(oomId);
  assert.equal(task.status, 'failed');
  assert.match(task.statusMessage, /^Job \w+ oom_killed: 32 MiB limit, peak \d+ MiB/);
  assert.doesNotMatch(task.statusMessage, /\n/, 'one line');
  const payload = await tasks.getTaskResult(oomId, CallToolResultSchema);
  assert.equal(payload.structuredContent.status, 'oom_killed');

  // tasks/cancel cancels the job.
  const long = tasks.callToolStream({ name: 'run_job', arguments: { command: ['sleep', '60'] } },
                                    undefined, { task: { ttl: 600000 } });
  const created = (await long.next()).value;
  assert.equal(created.type, 'taskCreated');
  await tasks.cancelTask(created.task.taskId);
  let status;
  for (let i = 0; i < 600; i++) {
    status = (await client.callTool({ name: 'job_status', arguments: { job_id: created.task.taskId } }))
      .structuredContent.status;
    if (status === 'cancelled') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'cancelled');
  await long.return?.();

  // A task whose job is cancelled by cancel_job (or the CLI) ends cancelled.
  const other = tasks.callToolStream({ name: 'run_job', arguments: { command: ['sleep', '60'] } },
                                     undefined, { task: { ttl: 600000 } });
  const oc = (await other.next()).value;
  await client.callTool({ name: 'cancel_job', arguments: { job_id: oc.task.taskId } });
  let ts;
  for (let i = 0; i < 600 && (ts = await tasks.getTask(oc.task.taskId)).status === 'working'; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(ts.status, 'cancelled');
  assert.match(ts.statusMessage, /cancelled/);
  await other.return?.();
});

test('resources: each job as resources, read, subscribe; state changes logged', async (t) => {
  const { client, seen } = await session(t);
  await client.setLoggingLevel('info');
  const sub = await client.callTool({ name: 'submit_job', arguments: {
    command: ['sh', '-c', 'sleep 1; echo out; echo \'{"x": true}\' > results.json'], job_id: 'res-job' } });
  assert.equal(sub.structuredContent.job_id, 'res-job');
  const updated = new Promise((resolve) => client.setNotificationHandler(
    ResourceUpdatedNotificationSchema, (n) => { if (n.params.uri === 'corral://jobs/res-job/record') resolve(n); }));
  await client.subscribeResource({ uri: 'corral://jobs/res-job/record' });
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.ok(resourceTemplates.some((x) => x.uriTemplate === 'corral://jobs/{job_id}/record'));
  await updated;
  await client.callTool({ name: 'wait_job', arguments: { job_id: 'res-job', timeout: 60 } },
                        undefined, { onprogress: () => {}, timeout: 70000 });
  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  for (const k of ['record', 'stdout', 'stderr', 'results'])
    assert.ok(uris.includes(`corral://jobs/res-job/${k}`), k);
  const rec = await client.readResource({ uri: 'corral://jobs/res-job/record' });
  assert.equal(JSON.parse(rec.contents[0].text).status, 'completed');
  const out = await client.readResource({ uri: 'corral://jobs/res-job/stdout' });
  assert.equal(out.contents[0].text, 'out\n');
  const res = await client.readResource({ uri: 'corral://jobs/res-job/results' });
  assert.deepEqual(JSON.parse(res.contents[0].text), { x: true });
  await assert.rejects(client.readResource({ uri: 'corral://jobs/nope/record' }), /not found/i);
  // A job submitted by the CLI (another process) is seen too (inotify on jobs/).
  const cli = spawnSync(CORRAL, [...t.store.args, 'submit', '--job-id', 'from-cli', '--', 'sh', '-c', 'exit 7'],
                        { encoding: 'utf8', env: t.store.env });
  assert.equal(cli.status, 0, cli.stderr);
  // The state changes came as log notifications.
  const logs = () => seen.received.filter((x) => x.msg.method === 'notifications/message')
                                  .map((x) => x.msg.params.data);
  for (let i = 0; i < 600 && !logs().some((l) => /from-cli: .*failed: exit code 7/.test(l)); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(logs().some((l) => /res-job: .*completed/.test(l)), JSON.stringify(logs()));
  assert.ok(logs().some((l) => /from-cli: .*failed: exit code 7/.test(l)), JSON.stringify(logs()));
});

test('tool catalog: arguments validated, background job id, task follows the job', async (t) => {
  const store0 = privateStore();
  defer(t, store0.cleanup);
  const file = join(store0.dir, 'catalog.json');
  writeFileSync(file, JSON.stringify({ tools: [{
    name: 'square', title: 'Square a number', description: 'Squares n in a sandboxed job',
    inputSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 0, maximum: 1000 } },
                   required: ['n'], additionalProperties: false },
    command: ['sh', '-c', 'n=$(sed "s/[^0-9]//g" "$1"); echo "{\\"square\\": $((n*n)), \\"job\\": \\"$2\\"}" > results.json', 'sh', '{input}', '{job_id}'],
    limits: { memory: '64M', timeout: '30s' },
  }] }));
  const { client } = await session(t, ['--tools', file]);
  const { tools } = await client.listTools();
  const sq = tools.find((x) => x.name === 'square');
  assert.equal(sq.execution.taskSupport, 'optional');
  assert.equal(sq.inputSchema.properties.n.maximum, 1000);

  // A missing required member is refused by the protocol layer (-32602); the
  // catalog's validator refuses the rest as a tool error the model can read.
  await assert.rejects(client.callTool({ name: 'square', arguments: {} }), /missing required argument 'n'/);
  for (const args of [{ n: 'seven' }, { n: 5000 }, { n: -1 }, { n: 3, extra: 1 }]) {
    const bad = await client.callTool({ name: 'square', arguments: args });
    assert.equal(bad.isError, true, JSON.stringify(args));
    assert.match(text(bad), /Invalid arguments for square: arguments/);
  }
  const none = await client.callTool({ name: 'list_jobs', arguments: {} });
  assert.equal(none.structuredContent.jobs.length, 0, 'nothing ran for bad arguments');

  const bg = await client.callTool({ name: 'square', arguments: { n: 7 } });
  assert.equal(typeof bg.structuredContent.job_id, 'string');
  const done = await client.callTool({ name: 'wait_job', arguments: { job_id: bg.structuredContent.job_id, timeout: 60 } },
                                     undefined, { onprogress: () => {}, timeout: 70000 });
  assert.equal(done.structuredContent.status, 'completed');
  const res = await client.callTool({ name: 'job_result', arguments: { job_id: bg.structuredContent.job_id } });
  assert.deepEqual(res.structuredContent.results, { square: 49, job: bg.structuredContent.job_id });

  const out = await collect(client.experimental.tasks.callToolStream(
    { name: 'square', arguments: { n: 12 } }, undefined, { task: { ttl: 600000 } }));
  assert.equal(out.at(-1).type, 'result');
  assert.equal(out.at(-1).result.structuredContent.results.square, 144);
});

test('restart: tasks are job records and answer from the store', async (t) => {
  const store = privateStore();
  defer(t, store.cleanup);
  const a = await start(store);
  defer(t, () => a.close());
  const tasks = a.client.experimental.tasks;
  const fast = await collect(tasks.callToolStream({ name: 'run_job', arguments: { command: ['true'] } },
                                                  undefined, { task: { ttl: 600000 } }));
  const fastId = fast[0].task.taskId;
  assert.equal(fast.at(-1).type, 'result');
  const slowStream = tasks.callToolStream({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'sleep 2; exit 4'] } }, undefined, { task: { ttl: 600000 } });
  const slowId = (await slowStream.next()).value.task.taskId;
  await a.close(); // the job goes on under its supervisor
  for (const { msg, method } of a.seen.received) checkServerMessage('2025-11-25', msg, method);

  const b = await start(store);
  defer(t, () => b.close());
  const tb = b.client.experimental.tasks;
  assert.equal((await tb.getTask(fastId)).status, 'completed');
  const listed = await tb.listTasks();
  assert.ok(listed.tasks.some((x) => x.taskId === slowId));
  const r = await tb.getTaskResult(slowId, CallToolResultSchema);
  assert.equal(r.structuredContent.status, 'failed');
  assert.equal(r.structuredContent.exit_code, 4);
  const st = await tb.getTask(slowId);
  assert.equal(st.status, 'failed');
  assert.match(st.statusMessage, /failed: exit code 4/);
  for (const { msg, method } of b.seen.received) checkServerMessage('2025-11-25', msg, method);
});

test('list_jobs pages a store through its index: every job once, in order, across inserts', async (t) => {
  // 230 finished jobs as the store writes them (tests/bench/storegen), then a
  // server; jobs submitted between pages come after the cursor, never twice.
  const store = privateStore();
  defer(t, store.cleanup);
  const storegen = join(dirname(CORRAL), 'tests', 'bench', 'storegen');
  const gen = spawnSync(storegen, [store.dir, '230', '--real', '30'], { encoding: 'utf8' });
  assert.equal(gen.status, 0, `storegen: ${gen.stderr}`);
  const s = await start(store);
  defer(t, () => s.close());
  const page = async (cursor) => (await s.client.callTool({ name: 'list_jobs', arguments:
    cursor ? { limit: 50, cursor } : { limit: 50 } })).structuredContent;
  const seen = [];
  let p = await page();
  assert.equal(p.jobs.length, 50);
  assert.equal(typeof p.next_cursor, 'string');
  seen.push(...p.jobs);
  // Inserts between pages: one finished, one still running while paged.
  const done = await s.client.callTool({ name: 'run_job', arguments: { command: ['true'] } });
  const running = await s.client.callTool({ name: 'submit_job', arguments: {
    command: ['sleep', '30'] } });
  const ids = [done.structuredContent.job_id, running.structuredContent.job_id];
  while (p.next_cursor) {
    p = await page(p.next_cursor);
    assert.ok(p.jobs.length <= 50);
    seen.push(...p.jobs);
  }
  assert.equal(seen.length, 232);
  assert.equal(new Set(seen.map((j) => j.job_id)).size, 232, 'no job twice');
  for (let i = 1; i < seen.length; i++)
    assert.ok(seen[i - 1].created_at <= seen[i].created_at, 'oldest first');
  assert.deepEqual(seen.slice(-2).map((j) => j.job_id), ids, 'the inserts come last');
  assert.equal(seen.at(-2).status, 'completed');
  assert.ok(['queued', 'running'].includes(seen.at(-1).status));
  // A status filter through the index, and a bad cursor named.
  const live = await s.client.callTool({ name: 'list_jobs', arguments: { status: ['queued', 'running'] } });
  assert.deepEqual(live.structuredContent.jobs.map((j) => j.job_id), [ids[1]]);
  const bad = await s.client.callTool({ name: 'list_jobs', arguments: { cursor: '1.5./etc' } });
  assert.equal(bad.isError, true);
  assert.match(text(bad), /Invalid cursor/);
  await s.client.callTool({ name: 'cancel_job', arguments: { job_id: ids[1] } });
});

test('--on-exit=cancel cancels this server\'s running jobs', async (t) => {
  const store = privateStore();
  defer(t, store.cleanup);
  const a = await start(store, ['--on-exit=cancel']);
  defer(t, () => a.close());
  await a.client.callTool({ name: 'submit_job', arguments: { command: ['sleep', '60'], job_id: 'bye' } });
  await a.client.callTool({ name: 'wait_job', arguments: { job_id: 'bye', timeout: 10 } });
  await a.close();
  const b = await start(store);
  defer(t, () => b.close());
  const done = await b.client.callTool({ name: 'wait_job', arguments: { job_id: 'bye', timeout: 30 } },
                                       undefined, { onprogress: () => {}, timeout: 40000 });
  assert.equal(done.structuredContent.status, 'cancelled');
});

test('a lost job (its supervisor died without a record) reads as lost, also to a waiter', async (t) => {
  const { client, store } = await session(t);
  await client.callTool({ name: 'submit_job', arguments: { command: ['sleep', '60'], job_id: 'orphan' } });
  for (let i = 0; i < 600; i++) {
    const s = await client.callTool({ name: 'job_status', arguments: { job_id: 'orphan' } });
    if (s.structuredContent.status === 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // A waiter that asked for progress waits for the end: the end is `lost`.
  const waiting = client.callTool({ name: 'wait_job', arguments: { job_id: 'orphan', timeout: 120 } },
                                  undefined, { onprogress: () => {}, timeout: 130000 });
  const sups = ourSupervisors(store.dir);
  assert.equal(sups.length, 1);
  process.kill(sups[0], 'SIGKILL');
  const w = await waiting;
  assert.equal(w.structuredContent.status, 'lost');
  assert.match(w.structuredContent.reason, /supervisor \(pid \d+\) ended without recording/);
  const st = await client.callTool({ name: 'job_status', arguments: { job_id: 'orphan' } });
  assert.equal(st.structuredContent.status, 'lost');
  assert.match(text(st), /^Job orphan lost: its supervisor/);
  const res = await client.callTool({ name: 'job_result', arguments: { job_id: 'orphan' } });
  assert.equal(res.isError, true);
});

test('a seccomp violation reads as seccomp_violation with the system call', async (t) => {
  const { client } = await session(t);
  const r = await client.callTool({ name: 'run_job', arguments: {
    command: [join(PROGS, 'try-syscall'), 'int80'], policy: 'default' } });
  assert.equal(r.structuredContent.status, 'seccomp_violation');
  // An i386 system call (int 0x80) is killed under the default policy.
  assert.match(r.structuredContent.seccomp_syscall, /^i386:/);
  assert.match(text(r), /^Job \w+ seccomp_violation: system call i386:\d+ denied/);
  assert.match(text(r), /denied system call: i386:\d+/);
  assert.equal(r.isError, true);
});

test('mounts minimal, tmp noexec, network (none by default for clients, allow-lists) and the pids limit: per call, in the outcome and its summary', async (t) => {
  const { client } = await session(t);
  // Each check exits with its own code: completed means all held.
  let r = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', '[ -e /etc/passwd ] && exit 3; [ -e /home ] && exit 4; ' +
              '[ "$(hostname)" = corral ] || exit 5; cp /bin/true /tmp/t || exit 6; ' +
              '/tmp/t && exit 7; exit 0'],
    mounts: 'minimal', tmp: 'noexec' } });
  assert.equal(r.structuredContent.status, 'completed', text(r));
  r = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'cp /bin/true /dev/shm/t && /dev/shm/t && [ -e /etc/passwd ]'] } });
  assert.equal(r.structuredContent.status, 'completed', 'the defaults: exec from /dev/shm, host files');
  // A client's job without a network gets none (the operator set no default);
  // an allow-list is a valid per-call choice, a malformed one a tool error.
  r = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', '[ "$(grep -c : /proc/net/dev)" = 1 ] || exit 3; ' +
              '[ -z "$http_proxy" ] || exit 4'] } });
  assert.equal(r.structuredContent.status, 'completed', text(r));
  r = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', '[ "$http_proxy" = http://127.0.0.1:3128 ] || exit 3; ' +
              'curl -s -o /dev/null -p https://not-allowed.example/; exit 0'],
    network: 'allow:pypi.org:443' } });
  assert.equal(r.structuredContent.status, 'completed', text(r));
  assert.match(r.structuredContent.summary, /1 network connection denied/);
  r = await client.callTool({ name: 'submit_job', arguments: { command: ['true'], network: 'allow:*.org' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /network '\*\.org': a pattern is/);
  r = await client.callTool({ name: 'submit_job', arguments: { command: ['true'], mounts: 'all' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /mounts must be private or minimal/);

  r = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', `${join(PROGS, 'forkbomb')} 2>/dev/null; exit 1`], limits: { pids: 8 } } });
  const hits = r.structuredContent.pids_max_hits;
  assert.ok(hits >= 50, `pids_max_hits ${hits}`);
  assert.equal(r.structuredContent.summary,
               `failed: exit code 1; hit its limit of 8 processes ${hits} times`);
  assert.match(text(r), new RegExp(`processes: hit its limit of 8 processes ${hits} times`));
});

test('the example catalog in contrib/ loads; its python3 tool runs as a task', async (t) => {
  const { client } = await session(t, ['--tools', join(SRC, 'contrib/tools/example-catalog.json')]);
  const out = await collect(client.experimental.tasks.callToolStream(
    { name: 'word_stats', arguments: { text: 'to be or not to be', top: 2 } }, undefined,
    { task: { ttl: 600000 } }));
  assert.equal(out.at(-1).type, 'result', JSON.stringify(out.at(-1)));
  assert.deepEqual(out.at(-1).result.structuredContent.results, { words: 6, top: [['to', 2], ['be', 2]] });
  const bad = await client.callTool({ name: 'primes_below', arguments: { n: 1 } });
  assert.match(text(bad), /arguments.n: must be at least 2/);
});

test('a catalog using a keyword outside the subset is refused at start-up', () => {
  const store = privateStore();
  try {
    const file = join(store.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ tools: [{ name: 'x', command: ['true'],
      inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^a' } } } }] }));
    const r = spawnSync(CORRAL, [...store.args, 'serve', '--tools', file],
                        { input: '', encoding: 'utf8', env: store.env, timeout: 10000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /tool 1: inputSchema.properties.s: unsupported keyword 'pattern'/);
    assert.equal(r.stdout, '');
  } finally {
    store.cleanup();
  }
});

// Issue 11, item 3 and 4: a client names policies from the operator's policy
// directory only (never a path: root would read any file as a "policy"), the
// operator can forbid `none` (serve --client-policies), and a client can ask
// for no network and for limits on its logs and open files.
// Before: policy '/etc/shadow' was accepted and the job failed with a reason
// quoting the file's text; network and the log/open_files limits were refused
// by the schema.
test('clients: policies by name only, --client-policies, network none, log and open_files limits', async (t) => {
  const { client } = await session(t, ['--client-policies', 'default,strict']);
  let r = await client.callTool({ name: 'submit_job', arguments: {
    command: ['true'], policy: '/etc/shadow' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /policy must be the name of a policy in the operator's policy directory/);
  assert.doesNotMatch(text(r), /root/);
  r = await client.callTool({ name: 'submit_job', arguments: { command: ['true'], policy: 'none' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /policy 'none' is not allowed here; allowed: default,strict/);
  r = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; ulimit -n'],
    network: 'none', policy: 'strict', limits: { open_files: 64, log: '1M' } } });
  assert.equal(r.structuredContent.status, 'completed', text(r));
  const log = await client.callTool({ name: 'job_logs', arguments: { job_id: r.structuredContent.job_id } });
  assert.match(text(log), /^lo\n64$/m);
  r = await client.callTool({ name: 'submit_job', arguments: { command: ['true'], network: 'wifi' } });
  assert.equal(r.isError, true);
});

// expose (docs/rootless.md): a client may name only what the store's operator
// allows in expose.conf; the job record says what the job gets, the store's
// "always" paths included.  (Hiding the home applies to a corral without
// root: rootless/containment and rootless/store_expose check what the job sees.)
test('clients: expose only what expose.conf allows, recorded in the job', async (t) => {
  const { client, store } = await session(t);
  let r = await client.callTool({ name: 'submit_job', arguments: {
    command: ['true'], expose: ['/etc'] } });
  assert.equal(r.isError, true);
  assert.match(text(r), /expose '\/etc' is not allowed by this store.*expose\.conf.*allows nothing/);
  r = await client.callTool({ name: 'submit_job', arguments: { command: ['true'], expose: '/etc' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /expose must be an array of absolute paths/);
  writeFileSync(join(store.dir, 'expose.conf'), 'allow /usr/share\nalways /etc/hostname\n');
  r = await client.callTool({ name: 'submit_job', arguments: {
    command: ['true'], expose: ['/usr/share/../../etc/shadow'] } });
  assert.equal(r.isError, true);
  assert.match(text(r), /Invalid expose path/);
  r = await client.callTool({ name: 'run_job', arguments: {
    command: ['true'], expose: ['/usr/share/doc'] } });
  assert.equal(r.structuredContent.status, 'completed', text(r));
  const id = r.structuredContent.job_id;
  const [tenant] = readdirSync(join(store.dir, 'tenants'));
  const rec = JSON.parse(readFileSync(join(store.dir, 'tenants', tenant, 'jobs', id, 'job.json'), 'utf8'));
  assert.deepEqual(rec.expose, ['/usr/share/doc', '/etc/hostname']);
});
