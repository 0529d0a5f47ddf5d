// One client configuration of contrib/clients, started the way its desktop
// client starts it: read the file as that client does, take `command` and
// `args` exactly as written but for the two install paths, and spawn them
// through the official SDK's StdioClientTransport with a desktop session's
// environment.  Driven by tests/rootless/client_configs.sh, which makes the
// test uid, its delegated groups and its home; the wrapper ($AS_USER) joins
// the groups and drops to the uid, then execs the command as written.
//
//   node client-configs.mjs CONFIG
// Environment: CORRAL, CATALOG (the readable copy of the example catalog),
// AS_USER, DESKTOP_HOME, DESKTOP_RUNTIME, DESKTOP_USER, MEMHOG, OUT (a file
// that receives the job ids and outputs, JSON, for the shell's checks).
// Prints "ok - ..." per check; the first failed check ends it with exit 1,
// and so does anything it cannot read (config, SDK, environment).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const need = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const file = process.argv[2];
const CORRAL = need('CORRAL');
const CATALOG = need('CATALOG');
const AS_USER = need('AS_USER');
const HOME = need('DESKTOP_HOME');
const MEMHOG = need('MEMHOG');
const OUT = need('OUT');
const name = basename(file);
const ok = (what) => console.log(`ok - ${name}: ${what}`);

// What each client reads: VS Code's mcp.json keeps servers under "servers",
// Claude Desktop and Cursor under "mcpServers".
const config = JSON.parse(readFileSync(file, 'utf8'));
const key = name.startsWith('vscode') ? 'servers' : 'mcpServers';
const entry = config[key]?.corral;
assert.ok(entry, `${name} has no ${key}.corral`);
if ('type' in entry) assert.equal(entry.type, 'stdio', 'a stdio server');
assert.deepEqual(Object.keys(entry).filter((k) => !['type', 'command', 'args'].includes(k)), [],
                 'nothing but type, command and args (no env, cwd or other setting needed)');

// Only the install paths differ between the file and this build.
const INSTALL = { '/usr/local/bin/corral': CORRAL,
                  '/usr/local/share/corral/example-catalog.json': CATALOG };
const replaced = [];
const local = (s) => {
  if (s in INSTALL) { replaced.push(s); return INSTALL[s]; }
  return s;
};
const command = local(entry.command);
const args = entry.args.map(local);
assert.deepEqual(replaced.sort(), Object.keys(INSTALL).sort(),
                 'each install path replaced once, nothing else changed');
ok(`${key}.corral read: ${entry.command} ${entry.args.join(' ')}`);

// A desktop session's environment: the client passes on its own (the SDK
// keeps HOME, LOGNAME, PATH, SHELL, TERM, USER); no --state-dir, no corral
// variable.
const user = need('DESKTOP_USER');
const env = { HOME, USER: user, LOGNAME: user, SHELL: '/bin/sh', PATH: '/usr/bin:/bin',
              XDG_RUNTIME_DIR: need('DESKTOP_RUNTIME') };
// The sanitizer pass's settings (tests/run.sh) are the test's, not the desktop's.
for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS'])
  if (process.env[k]) env[k] = process.env[k];
const transport = new StdioClientTransport({ command: AS_USER, args: [command, ...args], env,
                                             cwd: '/', stderr: 'pipe' });
let stderr = '';
transport.stderr?.on('data', (d) => { stderr += d; });
const client = new Client({ name: `desktop-${name}`, version: '1.0.0' });
const text = (r) => r.content.map((c) => c.text ?? '').join('\n');
const seen = {};
try {
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, 'corral');
  ok('initialized');

  const { tools } = await client.listTools();
  const names = new Set(tools.map((t) => t.name));
  const catalog = JSON.parse(readFileSync(CATALOG, 'utf8')).tools.map((t) => t.name);
  for (const n of ['run_job', 'submit_job', 'job_status', 'job_result', 'job_logs', 'wait_job',
                   'cancel_job', 'list_jobs', ...catalog])
    assert.ok(names.has(n), `${n} listed`);
  ok(`tools listed: the job tools and the catalog's ${catalog.join(', ')}`);

  // The job cannot read the user's secret: its home is hidden.
  const secret = `${HOME}/secret`;
  const r = await client.callTool({ name: 'run_job', arguments: {
    command: ['/bin/sh', '-c',
              `echo hello-from-job; id -u; cat ${secret} 2>/dev/null || echo secret-unreadable`] } });
  assert.equal(r.structuredContent?.status, 'completed', text(r));
  assert.notEqual(r.isError, true);
  const logs = await client.callTool({ name: 'job_logs', arguments: {
    job_id: r.structuredContent.job_id, stream: 'stdout' } });
  assert.notEqual(logs.isError, true, text(logs));
  ok('run_job completed, its output read with job_logs');
  seen.job = { id: r.structuredContent.job_id, output: logs.structuredContent.text };

  const oom = await client.callTool({ name: 'run_job', arguments: {
    command: [MEMHOG, '100'], limits: { memory: '32M' } } });
  const s = oom.structuredContent;
  assert.equal(s?.status, 'oom_killed', text(oom));
  assert.equal(oom.isError, true);
  assert.ok(s.oom_kills >= 1, `oom_kills ${s.oom_kills}`);
  assert.equal(s.memory_limit_bytes, 32 * 1024 * 1024);
  assert.ok(s.memory_peak_bytes >= 28 * 1024 * 1024, `peak ${s.memory_peak_bytes}`);
  assert.equal(s.signal, 'SIGKILL');
  assert.match(text(oom), /oom_killed: 32 MiB limit, peak \d+/);
  ok(`an OOM job: oom_killed, ${s.oom_kills} kill(s), peak ${s.memory_peak_bytes >> 20} MiB of 32`);
  seen.oom = { id: s.job_id };
} catch (e) {
  console.log(`not ok - ${name}: ${e.message}\n# corral's stderr:\n${stderr.replace(/^/gm, '#   ')}`);
  await client.close().catch(() => {});
  process.exit(1);
}
await client.close();
// corral's stderr goes to the client's log; under the sanitizer pass a leak
// or an error report at exit shows there.
if (/Sanitizer|runtime error/.test(stderr)) {
  console.log(`not ok - ${name}: a sanitizer report:\n${stderr.replace(/^/gm, '#   ')}`);
  process.exit(1);
}
writeFileSync(OUT, JSON.stringify(seen));
ok('client closed, no sanitizer report from corral');
