// The newest official clients against `corral serve`: the TypeScript SDK v2
// client (@modelcontextprotocol/client 2.x) speaking 2026-07-28 with
// versionNegotiation 'auto' and pinned, and the official tasks client
// (@modelcontextprotocol/ext-tasks 0.2.x) driving run_job as a task through
// to an OOM kill, an exit code and success, over 2025-11-25 and 2026-07-28.
// In the 2026 era there is no initialize: the server's identity comes from
// _meta["io.modelcontextprotocol/serverInfo"] of server/discover's result.
// Every message corral sends is validated against its version's schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createTaskSessionFromClient, resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import { CORRAL, checkServerMessage, instrument, privateStore } from './lib.mjs';

const PROGS = process.env.CORRAL_PROGS ?? join(CORRAL, '../tests/progs');
const INFO = { name: 'corral-v2-test', version: '1.0.0' };
const TASKS_EXT = 'io.modelcontextprotocol/tasks';

// A client of the given negotiation mode on its own store; closed and the
// store removed after the test, and every message checked.
// tasks: declare the tasks extension (the server may then answer run_job with
// a task, which only a tasks client can follow).
async function connect(t, mode, tasks) {
  const store = privateStore();
  t.after(store.cleanup);
  const transport = new StdioClientTransport({ command: CORRAL, args: [...store.args, 'serve'],
    env: store.env, stderr: 'pipe' });
  const seen = instrument(transport);
  const client = new Client(INFO, { versionNegotiation: { mode },
    capabilities: tasks ? { extensions: { [TASKS_EXT]: {} } } : {} });
  await client.connect(transport);
  const version = client.getNegotiatedProtocolVersion();
  t.after(async () => {
    await client.close();
    for (const { msg, method } of seen.received) checkServerMessage(version, msg, method);
  });
  return { client, transport, seen, version };
}

for (const [label, mode] of [['auto', 'auto'], ['pinned', { pin: '2026-07-28' }]]) {
  test(`SDK v2 client (${label}): 2026-07-28, the server's identity, the job tools`, async (t) => {
    const { client, seen, version } = await connect(t, mode);
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(version, '2026-07-28');
    // Identity without initialize: from server/discover's _meta.
    const server = client.getServerVersion();
    assert.equal(server?.name, 'corral');
    assert.match(server?.version ?? '', /^\d+\.\d+/);
    // (The SDK probes with server/discover on a sibling process, then starts
    // this one: no initialize was ever sent on it.)
    assert.ok(!seen.outgoing.some((m) => m.method === 'initialize'), 'no initialize');

    const { tools } = await client.listTools();
    const run = tools.find((x) => x.name === 'run_job');
    assert.equal(run._meta.ui.resourceUri, 'ui://corral/jobs.html');
    const r = await client.callTool({ name: 'run_job',
      arguments: { command: ['/bin/sh', '-c', 'echo "Progress: 100%"; exit 0'] } });
    assert.equal(r.isError, undefined);
    assert.equal(r.structuredContent.status, 'completed');
    assert.equal(r.structuredContent.exit_code, 0);
    const s = await client.callTool({ name: 'job_status', arguments: { job_id: r.structuredContent.job_id } });
    assert.equal(s.structuredContent.usage.columns[1], 'memory_bytes');
    // Every 2026 answer names its server.
    for (const { msg } of seen.received)
      if (msg.result) assert.equal(msg.result._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'corral');
  });
}

// ext-tasks over 2026-07-28 needs a host-owned raw request path (the SDK's
// codecs do not carry V2 task traffic): requests go out on the same stdio
// transport with ids of their own, and their answers are taken off it first.
function rawDispatcher(transport, seenRaw) {
  const pending = new Map();
  let n = 0;
  const sdk = transport.onmessage;
  transport.onmessage = (msg, extra) => {
    if (msg && typeof msg.id === 'string' && pending.has(msg.id)) {
      seenRaw.push(msg);
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
      return;
    }
    sdk?.(msg, extra);
  };
  return (request) => new Promise((resolve, reject) => {
    const id = `raw-${++n}`;
    pending.set(id, resolve);
    transport.send({ jsonrpc: '2.0', ...request, id }).catch(reject);
  });
}

const CASES = [
  { what: 'OOM kill', args: { command: [join(PROGS, 'memhog'), '200'], limits: { memory: '32M' } },
    isError: true, status: 'oom_killed', check: (sc) => assert.equal(sc.memory_limit_bytes, 32 << 20) },
  { what: 'exit code', args: { command: ['/bin/sh', '-c', 'echo bad input >&2; exit 3'] },
    isError: true, status: 'failed', check: (sc) => assert.equal(sc.exit_code, 3) },
  { what: 'success', args: { command: ['/bin/sh', '-c', 'echo "Progress: 50%"; echo done'] },
    isError: undefined, status: 'completed', check: (sc) => assert.equal(sc.exit_code, 0) },
];

for (const [version, mode] of [['2025-11-25', 'legacy'], ['2026-07-28', { pin: '2026-07-28' }]]) {
  test(`ext-tasks over ${version}: run_job as a task to OOM, exit code and success`, async (t) => {
    const { client, transport, version: got } = await connect(t, mode, true);
    assert.equal(got, version);
    const raw = [];
    const options = { endpointId: 'corral-v2-test' };
    if (version === '2026-07-28') {
      options.rawDispatch = rawDispatcher(transport, raw);
      options.v2RequestFraming = { protocolVersion: version, clientInfo: INFO,
        clientCapabilities: { extensions: { [TASKS_EXT]: {} } } };
    }
    const session = createTaskSessionFromClient(client, options);
    t.after(() => session.close());
    for (const c of CASES) {
      const execution = await session.callTool('run_job', c.args);
      const { outcome } = await execution.settle();
      const result = resultFromTaskOutcome(outcome);
      assert.equal(result.isError || undefined, c.isError, `${c.what}: isError`);
      assert.equal(result.structuredContent.status, c.status, `${c.what}: status`);
      c.check(result.structuredContent);
    }
    // It ran as a task: 2026 answered the call with resultType "task".
    if (version === '2026-07-28')
      assert.ok(raw.some((m) => m.result?.resultType === 'task' && m.result.taskId), 'a task was created');
  });
}
