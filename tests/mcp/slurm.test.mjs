// The MCP tools on a store whose executor is slurm, driven by the official
// TypeScript SDK client over stdio against the test cluster (tests/slurm:
// registered there, needs its cluster fixture and SLURM_CONF).  The same
// tools as for local jobs: submit_job, wait_job, job_logs while the job
// runs, job_status, cancel_job (scancel), run_job (also as a task, with its
// result file), retry_job, system_status with the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CORRAL, checkServerMessage, instrument, privateStore } from './lib.mjs';

const PROGS = process.env.CORRAL_PROGS ?? join(CORRAL, '../tests/progs');
assert.ok(process.env.SLURM_CONF, 'SLURM_CONF names the test cluster (ctest sets it)');

const record = (store, id) =>
  JSON.parse(readFileSync(join(store.dir, 'tenants/default/jobs', id, 'job.json'), 'utf8'));

test('the job tools on Slurm', async (t) => {
  const store = privateStore();
  const transport = new StdioClientTransport({
    command: CORRAL, args: [...store.args, 'serve', '--executor', 'slurm'], env: store.env,
    stderr: 'pipe',
  });
  const seen = instrument(transport);
  const client = new Client({ name: 'corral-slurm-test', version: '1.0.0' },
                            { capabilities: { tasks: {} } });
  t.after(async () => {
    await client.close();
    // Cancel what the store still has in Slurm, then remove the store.
    for (const id of ['logs', 'long']) {
      try {
        const s = record(store, id).slurm;
        if (s) spawnSyncQuiet('scancel', [s.job_id]);
      } catch {}
    }
    await store.cleanup();
  });
  await client.connect(transport);

  // submit_job + wait_job: an OOM kill hidden by a shell is oom_killed.
  const sub = await client.callTool({ name: 'submit_job', arguments: {
    command: ['sh', '-c', `'${join(PROGS, 'memhog')}' 200; exit 0`], limits: { memory: '32M' },
    job_id: 'oom' } });
  assert.equal(sub.structuredContent.status, 'queued');
  const oom = await client.callTool({ name: 'wait_job', arguments: { job_id: 'oom', timeout: 90 } },
                                    undefined, { onprogress: () => {}, timeout: 100000 });
  assert.equal(oom.structuredContent.status, 'oom_killed');
  assert.equal(record(store, 'oom').executor, 'slurm');
  assert.match(record(store, 'oom').slurm.job_id, /^\d+$/);

  // job_logs while the job runs on the node.
  await client.callTool({ name: 'submit_job', arguments: {
    command: ['sh', '-c', `echo first line; '${join(PROGS, 'waitfile')}' go`], job_id: 'logs' } });
  let logs;
  for (let i = 0; i < 600; i++) {
    logs = await client.callTool({ name: 'job_logs', arguments: { job_id: 'logs' } });
    if (!logs.isError && /first line/.test(logs.content.map((c) => c.text).join('\n'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(logs.content.map((c) => c.text).join('\n'), /first line/);
  const st = await client.callTool({ name: 'job_status', arguments: { job_id: 'logs' } });
  assert.equal(st.structuredContent.status, 'running');
  writeFileSync(join(store.dir, 'tenants/default/jobs/logs/work/go'), '');

  // cancel_job is scancel.
  await client.callTool({ name: 'submit_job', arguments: { command: ['sleep', '60'], job_id: 'long' } });
  for (let i = 0; i < 600; i++) {
    const s = await client.callTool({ name: 'job_status', arguments: { job_id: 'long' } });
    if (s.structuredContent.status === 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const c = await client.callTool({ name: 'cancel_job', arguments: { job_id: 'long' } });
  assert.equal(c.isError ?? false, false);
  const cw = await client.callTool({ name: 'wait_job', arguments: { job_id: 'long', timeout: 60 } },
                                   undefined, { onprogress: () => {}, timeout: 70000 });
  assert.equal(cw.structuredContent.status, 'cancelled');
  assert.equal(record(store, 'long').slurm.state, 'CANCELLED');

  // run_job: exit 3 is failed with its code; retry_job keeps the executor.
  const run = await client.callTool({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'exit 3'], job_id: 'three' } }, undefined, { timeout: 100000 });
  assert.equal(run.structuredContent.status, 'failed');
  assert.equal(run.structuredContent.exit_code, 3);
  const r = await client.callTool({ name: 'retry_job', arguments: { job_id: 'three' } });
  assert.equal(record(store, r.structuredContent.job_id).executor, 'slurm');

  // run_job as a task: the task is the Slurm job; its result file comes back.
  const steps = [];
  for await (const m of client.experimental.tasks.callToolStream({ name: 'run_job', arguments: {
    command: ['sh', '-c', 'echo \'{"n": 2}\' > results.json'] } }, undefined,
    { task: { ttl: 600000 } })) steps.push(m);
  assert.equal(steps[0].type, 'taskCreated');
  assert.equal(steps.at(-1).type, 'result', JSON.stringify(steps.at(-1)));
  assert.deepEqual(steps.at(-1).result.structuredContent.results, { n: 2 });
  assert.equal(record(store, steps[0].task.taskId).executor, 'slurm');

  const sys = await client.callTool({ name: 'system_status', arguments: {} });
  assert.equal(sys.structuredContent.executor.kind, 'slurm');
  assert.equal(sys.structuredContent.executor.reachable, true);
  assert.ok(sys.structuredContent.executor.cpus_total >= 1);
  assert.match(sys.content[0].text, /jobs run on slurm nodes 1\/1 up/);

  const done = await client.callTool({ name: 'wait_job', arguments: { job_id: 'logs', timeout: 60 } },
                                     undefined, { onprogress: () => {}, timeout: 70000 });
  assert.equal(done.structuredContent.status, 'completed');
  const rw = await client.callTool({ name: 'wait_job', arguments: { job_id: r.structuredContent.job_id, timeout: 60 } },
                                   undefined, { onprogress: () => {}, timeout: 70000 });
  assert.equal(rw.structuredContent.status, 'failed');
  for (const { msg, method } of seen.received) checkServerMessage('2025-11-25', msg, method);
});

import { spawnSync } from 'node:child_process';
function spawnSyncQuiet(cmd, args) { spawnSync(cmd, args, { stdio: 'ignore' }); }
