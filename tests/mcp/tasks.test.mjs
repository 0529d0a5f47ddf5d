// Deferred answers and tasks through the official SDK client
// (client.experimental.tasks), against corral's server wiring plus a
// timer-driven `sleep` tool (tests/mcp/test-server.c, never shipped).  Every
// message the server sends is validated against the 2025-11-25 schema.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { checkServerMessage, instrument } from './lib.mjs';

const SERVER = process.env.MCP_TEST_SERVER;

async function connect() {
  const transport = new StdioClientTransport({ command: SERVER, args: [], stderr: 'pipe' });
  const seen = instrument(transport);
  const client = new Client({ name: 'corral-tasks-test', version: '1.0.0' },
                            { capabilities: { tasks: {} } });
  await client.connect(transport);
  after(() => client.close());
  return { client, seen };
}

async function collect(stream) {
  const out = [];
  for await (const m of stream) out.push(m);
  return out;
}

test('deferred tool calls: progress, other requests served meanwhile, cancellation', async () => {
  const { client, seen } = await connect();
  const { tools } = await client.listTools();
  assert.equal(tools.find((t) => t.name === 'sleep').execution.taskSupport, 'optional');

  const progress = [];
  const r = await client.callTool({ name: 'sleep', arguments: { ms: 20 } }, undefined,
                                  { onprogress: (p) => progress.push(p) });
  assert.equal(r.structuredContent.slept_ms, 20);
  assert.equal(progress[0].message, 'sleeping');
  // Both were sent; the SDK handles notifications a tick later than responses,
  // so it may drop the last one, which arrives just before the result.
  const sentProgress = seen.received.filter((x) => x.msg.method === 'notifications/progress');
  assert.deepEqual(sentProgress.map((x) => x.msg.params.message), ['sleeping', 'awake']);

  // A long call does not hold up the others: ping is answered while it runs;
  // then the client cancels it (notifications/cancelled) and the server goes on.
  const ac = new AbortController();
  let finished = false;
  const long = client.callTool({ name: 'sleep', arguments: { ms: 30000 } }, undefined,
                               { signal: ac.signal }).finally(() => { finished = true; });
  await client.ping();
  assert.equal(finished, false);
  ac.abort('changed my mind');
  await assert.rejects(long);
  await client.ping();
  await new Promise((r) => setTimeout(r, 100));
  const answeredIds = seen.received.filter((x) => x.method === 'tools/call').length;
  assert.equal(answeredIds, 1, 'the cancelled call got no answer');

  for (const { msg, method } of seen.received) checkServerMessage('2025-11-25', msg, method);
});

test('tasks: created at once, status, result, failure, list, cancel', async () => {
  const { client, seen } = await connect();
  const tasks = client.experimental.tasks;

  const ok = await collect(tasks.callToolStream({ name: 'sleep', arguments: { ms: 30 } }, undefined,
                                                { task: { ttl: 60000 } }));
  assert.equal(ok[0].type, 'taskCreated');
  const taskId = ok[0].task.taskId;
  assert.equal(ok.at(-1).type, 'result', JSON.stringify(ok.at(-1)));
  assert.equal(ok.at(-1).result.structuredContent.slept_ms, 30);
  assert.equal((await tasks.getTask(taskId)).status, 'completed');
  const payload = await tasks.getTaskResult(taskId, CallToolResultSchema);
  assert.equal(payload._meta['io.modelcontextprotocol/related-task'].taskId, taskId);

  // A tool error fails the task; the outcome travels in statusMessage.
  const bad = await collect(tasks.callToolStream({ name: 'sleep', arguments: { ms: 10, fail: true } },
                                                 undefined, { task: { ttl: 60000 } }));
  assert.equal(bad.at(-1).type, 'error');
  const badId = bad[0].task.taskId;
  const badTask = await tasks.getTask(badId);
  assert.equal(badTask.status, 'failed');
  assert.equal(badTask.statusMessage, 'failed after 10 ms');

  // Cancel a long task.
  const created = await client.request(
    { method: 'tools/call', params: { name: 'sleep', arguments: { ms: 30000 }, task: { ttl: 60000 } } },
    CreateTaskResultSchema);
  const longId = created.task.taskId;
  assert.equal(created.task.status, 'working');
  const c = await tasks.cancelTask(longId);
  assert.equal(c.status, 'cancelled');
  assert.equal((await tasks.getTask(longId)).status, 'cancelled');
  await assert.rejects(tasks.cancelTask(longId), /already cancelled/);

  const list = await tasks.listTasks();
  assert.deepEqual(new Set(list.tasks.map((t) => t.taskId)), new Set([taskId, badId, longId]));

  const statusNotes = seen.received.filter((x) => x.msg.method === 'notifications/tasks/status');
  assert.ok(statusNotes.some((x) => x.msg.params.taskId === longId && x.msg.params.status === 'cancelled'));
  for (const { msg, method } of seen.received) checkServerMessage('2025-11-25', msg, method);
});
