// The official TypeScript SDK client drives `corral serve` over stdio; every
// message corral sends is validated against the official JSON Schema of the
// negotiated protocol version.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CORRAL, checkServerMessage, instrument, privateStore } from './lib.mjs';

async function connect() {
  const store = privateStore();
  const transport = new StdioClientTransport({ command: CORRAL, args: [...store.args, 'serve'],
                                               env: store.env, stderr: 'pipe' });
  const seen = instrument(transport);
  const client = new Client({ name: 'corral-test', version: '1.0.0' });
  await client.connect(transport);
  after(() => client.close()); // also ends the server process
  after(store.cleanup); // after hooks run in order: the server is gone first
  return { client, transport, seen };
}

test('SDK client: initialize, tools, corral_info, logging, resources', async () => {
  const { client, seen } = await connect();
  const init = seen.received.find((r) => r.method === 'initialize').msg.result;
  assert.equal(init.protocolVersion, '2025-11-25');
  assert.equal(init.serverInfo.name, 'corral');
  assert.ok(init.capabilities.tasks, 'tasks capability declared in 2025-11-25');

  const { tools } = await client.listTools();
  const info = tools.find((t) => t.name === 'corral_info');
  assert.ok(info, 'corral_info is listed');
  assert.equal(info.annotations.readOnlyHint, true);
  assert.equal(info.execution.taskSupport, 'forbidden');

  // The SDK checks structuredContent against the tool's outputSchema.
  const res = await client.callTool({ name: 'corral_info', arguments: {} });
  assert.equal(res.isError, undefined);
  assert.equal(res.structuredContent.name, 'corral');
  assert.equal(res.structuredContent.protocol_version, '2025-11-25');
  assert.match(res.content[0].text, /^corral .*pid \d+/);

  await client.ping();
  await client.setLoggingLevel('debug');
  // No jobs yet: the MCP App's page and the metrics; each job's resources follow these templates.
  assert.deepEqual((await client.listResources()).resources.map((r) => [r.uri, r.mimeType]),
                   [['ui://corral/jobs.html', 'text/html;profile=mcp-app'], ['corral://metrics', 'text/plain']]);
  assert.deepEqual((await client.listResourceTemplates()).resourceTemplates.map((x) => x.uriTemplate),
                   ['record', 'stdout', 'stderr', 'results'].map((k) => `corral://jobs/{job_id}/${k}`));
  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }),
                       /Unknown tool 'no_such_tool'/);
  await assert.rejects(client.readResource({ uri: 'corral://job/none' }), /not found/i);
  const tasks = await client.request({ method: 'tasks/list', params: {} },
                                     (await import('@modelcontextprotocol/sdk/types.js')).ListTasksResultSchema);
  assert.deepEqual(tasks.tasks, []);

  assert.ok(seen.received.length >= 10);
  for (const { msg, method } of seen.received) checkServerMessage('2025-11-25', msg, method);

  // Seed corpus for the dispatch fuzzer: real client messages, one per file.
  if (process.env.MCP_CAPTURE_DIR) {
    mkdirSync(process.env.MCP_CAPTURE_DIR, { recursive: true });
    seen.outgoing.forEach((m, i) =>
      writeFileSync(join(process.env.MCP_CAPTURE_DIR, `sdk-${String(i).padStart(2, '0')}.json`),
                    JSON.stringify(m)));
  }
});
