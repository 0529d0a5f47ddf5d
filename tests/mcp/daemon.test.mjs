// `corral serve` as an unprivileged user through `corral daemon`
// (docs/daemon.md), driven by the official TypeScript SDK client over stdio:
// the same tools and the same tool results as a root server of the same
// tenant on the same store; another user's server does not see the job.  The client runs as a uid without a passwd entry
// (setpriv), so its tenant is uid-N; the daemon and the root server are ours
// and are stopped, and the store removed, even on failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CORRAL, checkServerMessage, instrument, privateStore } from './lib.mjs';

const PROGS = process.env.CORRAL_PROGS ?? join(CORRAL, '../tests/progs');
const MEMHOG = join(PROGS, 'memhog');
const UID = '47111';

const store = privateStore();
// The socket's directory must be reachable by the unprivileged client (the store's is 0700).
const sockDir = mkdtempSync(join(tmpdir(), 'corral-daemon-sock-'));
chmodSync(sockDir, 0o755);
const SOCK = join(sockDir, 'corral.sock');
const daemon = spawn(CORRAL, [...store.args, '--socket', SOCK, 'daemon'],
                     { env: store.env, stdio: ['ignore', 'ignore', 'pipe'] });
let daemonLog = '';
daemon.stderr.on('data', (d) => { daemonLog += d; });
const servers = [];

after(async () => {
  for (const s of servers) await s.client.close().catch(() => {});
  daemon.kill('SIGKILL');
  await store.cleanup();
  rmSync(sockDir, { recursive: true, force: true });
});

async function waitForSocket() {
  for (let i = 0; i < 200 && !existsSync(SOCK); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(SOCK), `daemon did not start: ${daemonLog}`);
}

async function start(command, args) {
  const transport = new StdioClientTransport({ command, args, env: store.env, stderr: 'pipe' });
  const seen = instrument(transport);
  const client = new Client({ name: 'corral-daemon-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  const s = { client, seen };
  servers.push(s);
  return s;
}

// What a user relies on in a result; ids, times and paths differ between two runs.
function outcome(r) {
  const s = r.structuredContent ?? {};
  return { isError: r.isError ?? false, status: s.status, exit_code: s.exit_code,
           signal: s.signal, memory_limit_bytes: s.memory_limit_bytes,
           oom: (s.oom_kills ?? 0) >= 1,
           text: r.content?.[0]?.text?.split(':')[0].replaceAll(s.job_id ?? '\0', 'ID') };
}

test('serve through the daemon as an unprivileged user equals a root server', async () => {
  await waitForSocket();
  const viaDaemon = await start('setpriv', ['--reuid', UID, '--regid', UID, '--clear-groups',
                                            CORRAL, '--socket', SOCK, 'serve']);
  const root = await start(CORRAL, [...store.args, '--tenant', `uid-${UID}`, 'serve']);

  // The same tools, described the same way.
  const [a, b] = [await viaDaemon.client.listTools(), await root.client.listTools()];
  assert.deepEqual(a, b);

  // The same outcomes: an OOM kill, an exit code, a success.
  const calls = [
    { name: 'run_job', arguments: { command: [MEMHOG, '200'], limits: { memory: '32M' } } },
    { name: 'run_job', arguments: { command: ['sh', '-c', 'exit 3'] } },
    { name: 'run_job', arguments: { command: ['sh', '-c', 'echo hello'] } },
  ];
  for (const call of calls) {
    const [x, y] = [await viaDaemon.client.callTool(call), await root.client.callTool(call)];
    assert.deepEqual(outcome(x), outcome(y), JSON.stringify(call));
  }
  const oom = await viaDaemon.client.callTool(calls[0]);
  assert.equal(oom.structuredContent.status, 'oom_killed');

  // One job, read by both: the same record (the daemon's job is the tenant's job).
  const sub = await viaDaemon.client.callTool({ name: 'submit_job', arguments: {
    command: ['sh', '-c', 'echo out; exit 3'] } });
  const id = sub.structuredContent.job_id;
  assert.ok(id, JSON.stringify(sub));
  let x;
  for (let i = 0; i < 600; i++) {
    x = await viaDaemon.client.callTool({ name: 'job_status', arguments: { job_id: id } });
    if (!['queued', 'running'].includes(x.structuredContent?.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const y = await root.client.callTool({ name: 'job_status', arguments: { job_id: id } });
  assert.equal(x.structuredContent.status, 'failed');
  assert.equal(x.structuredContent.exit_code, 3);
  assert.deepEqual(x, y);

  // Another unprivileged user's server through the same daemon: the job is
  // not there, exactly as an id that does not exist.
  const other = await start('setpriv', ['--reuid', '47112', '--regid', '47112', '--clear-groups',
                                        CORRAL, '--socket', SOCK, 'serve']);
  const theirs = await other.client.callTool({ name: 'job_status', arguments: { job_id: id } });
  const none = await other.client.callTool({ name: 'job_status',
                                             arguments: { job_id: 'nosuchjob0000000' } });
  assert.equal(theirs.isError, true);
  assert.equal(JSON.stringify(theirs).replaceAll(id, 'ID'),
               JSON.stringify(none).replaceAll('nosuchjob0000000', 'ID'));
  const cancel = await other.client.callTool({ name: 'cancel_job', arguments: { job_id: id } });
  assert.equal(cancel.isError, true);
  const listed = await other.client.callTool({ name: 'list_jobs', arguments: {} });
  assert.notEqual(listed.isError, true, JSON.stringify(listed));
  assert.doesNotMatch(JSON.stringify(listed), new RegExp(id));

  for (const s of servers)
    for (const { msg, method } of s.seen.received) checkServerMessage('2025-11-25', msg, method);
  assert.match(daemonLog, new RegExp(`uid=${UID} pid=\\d+ tenant=uid-${UID}: serve`));
});
