#!/usr/bin/env node
// contrib/mcp-demo.mjs - a short real MCP client session (the official
// TypeScript SDK over stdio) against `corral serve`: a job completing with
// progress and results, an OOM kill and an exit code, each reported
// distinctly.  Run by contrib/demo.sh after `npm ci --prefix tests/mcp`.
//   node contrib/mcp-demo.mjs [CORRAL] [PROGS_DIR]
// Uses a private state directory and cgroup parent, removed at the end.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corral = resolve(process.argv[2] ?? join(root, 'build/corral'));
const progs = resolve(process.argv[3] ?? join(root, 'build/tests/progs'));
const sdk = (p) => import(pathToFileURL(join(root, 'tests/mcp/node_modules/@modelcontextprotocol/sdk/dist/esm', p)));
const { Client } = await sdk('client/index.js');
const { StdioClientTransport } = await sdk('client/stdio.js');
const { privateStore } = await import(pathToFileURL(join(root, 'tests/mcp/lib.mjs')));

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const store = privateStore();
const transport = new StdioClientTransport({ command: corral, args: [...store.args, 'serve'],
                                             env: store.env, stderr: 'ignore' });
const client = new Client({ name: 'corral-demo', version: '1.0.0' });
try {
  await client.connect(transport);
  const v = client.getServerVersion();
  console.log(bold(`\n== MCP session with ${v.name} ${v.version} (protocol ${transport.protocolVersion ?? '2025-11-25'})`));
  const { tools } = await client.listTools();
  console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);

  const call = async (title, args) => {
    console.log(bold(`\n== run_job: ${title}`));
    console.log(`arguments: ${JSON.stringify(args)}`);
    const r = await client.callTool({ name: 'run_job', arguments: args }, undefined, {
      onprogress: (p) => console.log(`  progress ${p.progress}% ${p.message ?? ''}`),
      timeout: 120000,
    });
    console.log(r.content[0].text.split('\n').map((l) => `  ${l}`).join('\n'));
    const s = r.structuredContent;
    console.log(`  structuredContent: status=${s.status} exit_code=${s.exit_code} signal=${s.signal} ` +
                `oom_kills=${s.oom_kills} memory_limit_bytes=${s.memory_limit_bytes} ` +
                `memory_peak_bytes=${s.memory_peak_bytes} isError=${r.isError ?? false}`);
    return r;
  };
  await call('a job reporting progress and writing results.json', {
    command: ['sh', '-c', 'for i in 1 2 3 4; do echo "Progress: $((i * 25))%"; sleep 0.4; done; ' +
                          'echo \'{"answer": 42}\' > results.json'],
    limits: { memory: '64M', timeout: '60s' } });
  await call('a 200 MiB allocation under a 32 MiB limit', {
    command: [join(progs, 'memhog'), '200'], limits: { memory: '32M' } });
  await call('a command that exits with code 3', {
    command: ['sh', '-c', 'echo "cannot open input" >&2; exit 3'] });
} finally {
  await client.close();
  await store.cleanup();
}
