// Protocol torture test: raw lines written to `corral serve`, each answered
// correctly (validated against the official schema of the session's version),
// and the server stays up.  Also: a client that stops reading is disconnected
// with a log line, and stdin EOF / SIGTERM end the server promptly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CORRAL, checkServerMessage, privateStore } from './lib.mjs';

function serve(t, args = []) {
  const store = privateStore();
  const child = spawn(CORRAL, [...store.args, 'serve', ...args],
                      { stdio: ['pipe', 'pipe', 'pipe'], env: store.env });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  t.after(store.cleanup); // after hooks run in order: the server is gone first
  const lines = [];
  const waiters = [];
  let buf = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      while (waiters.length && lines.length) waiters.shift()(lines.shift());
    }
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const methods = new Map();
  let version = null;
  return {
    child, exited, stderr: () => stderr,
    setVersion(v) { version = v; },
    send(data, method) {
      if (method) methods.set(method.id, method.name);
      child.stdin.write(data);
      if (typeof data === 'string' && !data.endsWith('\n')) return;
    },
    line(obj) {
      if (obj.id !== undefined) methods.set(JSON.stringify(obj.id), obj.method);
      child.stdin.write(JSON.stringify(obj) + '\n');
    },
    // The next message: { raw, msg }, validated against the session's schema.
    async next(ms = 10000) {
      const raw = lines.length ? lines.shift() : await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message from corral')), ms);
        waiters.push((l) => { clearTimeout(timer); resolve(l); });
      });
      const msg = JSON.parse(raw);
      const method = 'id' in msg ? methods.get(JSON.stringify(msg.id)) : undefined;
      if (version) checkServerMessage(version, msg, method);
      return { raw, msg };
    },
    pending: () => lines.length,
  };
}

async function expectError(s, code, idRaw) {
  const { raw, msg } = await s.next();
  assert.ok(msg.error, `expected an error, got ${raw}`);
  assert.equal(msg.error.code, code, raw);
  assert.ok(raw.includes(`"id":${idRaw},`), `expected id ${idRaw} in ${raw}`);
}

const init = (v) => ({ jsonrpc: '2.0', id: 0, method: 'initialize',
                       params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'torture', version: '1' } } });

test('torture: every bad line answered, server stays up (2025-06-18)', async (t) => {
  const s = serve(t);
  s.setVersion('2025-06-18');
  s.line({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  await expectError(s, -32600, '1'); // before initialize
  s.line(init('2025-06-18'));
  const { msg } = await s.next();
  assert.equal(msg.result.protocolVersion, '2025-06-18');
  s.line({ jsonrpc: '2.0', method: 'notifications/initialized' });

  s.send('{"jsonrpc":"2.0","id":2,"method":\n');
  await expectError(s, -32700, 'null'); // malformed: parse error, id null
  s.send('{"jsonrpc":"2.0","id":3,"method":5}\n');
  await expectError(s, -32600, '3');
  s.send('{"jsonrpc":"2.0","id":4,"method":"ping","params":"x"}\n');
  await expectError(s, -32602, '4');
  s.send('{"jsonrpc":"2.0","id":true,"method":"ping"}\n');
  await expectError(s, -32600, 'null');
  s.line({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 42 } });
  await expectError(s, -32602, '5');
  s.line({ jsonrpc: '2.0', id: 6, method: 'no/such/method' });
  await expectError(s, -32601, '6');
  s.send(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":7,"method":"ping","params":{"x":"'),
                        Buffer.from([0xc3, 0x28]), Buffer.from('"}}\n')]));
  await expectError(s, -32700, 'null'); // invalid UTF-8
  s.send('{"jsonrpc":"2.0","id":8,"method":"ping","params":{"a":' + '['.repeat(200) + ']'.repeat(200) + '}}\n');
  await expectError(s, -32700, 'null'); // nesting
  s.send('[{"jsonrpc":"2.0","id":9,"method":"ping"}]\n');
  await expectError(s, -32600, 'null'); // batches are gone since 2025-06-18
  s.send('{"jsonrpc":"2.0","id":10,"method":"ping","id":11}\n');
  await expectError(s, -32600, '10'); // duplicate keys: rejected, first id echoed

  // Huge ids are echoed byte for byte; a repeated id is answered twice.
  for (const id of ['123456789012345678901234567890', '-98765432109876543210', '"\\u00e9\\n"']) {
    s.send(`{"jsonrpc":"2.0","id":${id},"method":"ping"}\n`);
    const { raw } = await s.next();
    assert.equal(raw, `{"jsonrpc":"2.0","id":${id},"result":{}}`);
  }
  s.line({ jsonrpc: '2.0', id: 12, method: 'ping' });
  s.line({ jsonrpc: '2.0', id: 12, method: 'ping' });
  assert.equal((await s.next()).msg.id, 12);
  assert.equal((await s.next()).msg.id, 12);

  // An oversize line (5 MiB > the 4 MiB cap): error with the id, then life goes on.
  s.send('{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"pad":"' + 'x'.repeat(5 << 20) + '"}}\n');
  await expectError(s, -32600, '"big"');
  // A 3 MiB line is read whole, even though it arrives in many pieces.
  const pad = 'y'.repeat(3 << 20);
  s.line({ jsonrpc: '2.0', id: 13, method: 'ping', params: { _meta: { pad } } });
  assert.deepEqual((await s.next()).msg, { jsonrpc: '2.0', id: 13, result: {} });
  // A line split across writes, and CRLF.
  s.send('{"jsonrpc":"2.0",');
  await new Promise((r) => setTimeout(r, 50));
  s.send('"id":14,"method":"ping"}\r\n');
  assert.equal((await s.next()).msg.id, 14);

  // Notifications, even malformed ones, are never answered.
  s.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999}}\n');
  s.send('{"jsonrpc":"2.0","method":"tools/list"}\n');
  s.send('{"jsonrpc":"1.0","method":42}\n');
  s.line({ jsonrpc: '2.0', id: 15, method: 'tools/call', params: { name: 'corral_info', arguments: {} } });
  const call = await s.next();
  assert.equal(call.msg.id, 15);
  assert.equal(call.msg.result.structuredContent.protocol_version, '2025-06-18');
  assert.equal(s.child.exitCode, null, 'server still up');
  s.child.stdin.end();
  assert.deepEqual(await s.exited, { code: 0, signal: null }); // stdin EOF: prompt exit
});

const META = (ext) => ({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                         'io.modelcontextprotocol/clientCapabilities': ext ? { extensions: { 'io.modelcontextprotocol/tasks': {} } } : {} });

test('2026-07-28: stateless requests, server/discover, resultType', async (t) => {
  const s = serve(t);
  s.setVersion('2026-07-28');
  s.line({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: META(false) } });
  const d = (await s.next()).msg.result;
  assert.ok(d.supportedVersions.includes('2026-07-28') && d.supportedVersions.includes('2024-11-05'));
  assert.equal(d.resultType, 'complete');
  s.line({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: META(true) } });
  const l = (await s.next()).msg.result;
  assert.equal(l.tools[0].name, 'corral_info');
  s.line({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'corral_info', arguments: {}, _meta: META(true) } });
  const c = (await s.next()).msg.result;
  assert.equal(c.resultType, 'complete'); // corral_info never becomes a task
  assert.equal(c.structuredContent.protocol_version, '2026-07-28');
  s.line({ jsonrpc: '2.0', id: 4, method: 'ping', params: { _meta: { ...META(false), 'io.modelcontextprotocol/protocolVersion': '2030-01-01' } } });
  const e = (await s.next()).msg;
  assert.equal(e.error.code, -32022);
  assert.equal(e.error.data.requested, '2030-01-01');
  s.line({ jsonrpc: '2.0', id: 5, method: 'tasks/get', params: { taskId: 'x', _meta: META(false) } });
  const missing = (await s.next()).msg.error;
  assert.equal(missing.code, -32021);
  assert.ok(missing.data.requiredCapabilities.extensions['io.modelcontextprotocol/tasks']);
  s.child.kill('SIGTERM');
  assert.deepEqual(await s.exited, { code: 0, signal: null }); // SIGTERM: prompt, clean exit
});

test('a client that stops reading is disconnected, memory stays bounded', async (t) => {
  const s = serve(t, ['--max-output-buffer', '1M']);
  s.child.stdout.pause(); // never read again
  s.line(init('2025-11-25'));
  const pad = 'z'.repeat(1000);
  let chunk = '';
  for (let i = 0; i < 3000; i++)
    chunk += JSON.stringify({ jsonrpc: '2.0', id: `${pad}${i}`, method: 'ping' }) + '\n';
  s.child.stdin.on('error', () => {}); // the server may be gone before we finish
  s.child.stdin.write(chunk);
  const { code } = await s.exited;
  assert.equal(code, 1);
  assert.match(s.stderr(), /not reading/);
});

test('stdin and stdout may be regular files (not pollable)', async (t) => {
  const { mkdtempSync, writeFileSync, openSync, closeSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'corral-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = [init('2025-11-25'), { jsonrpc: '2.0', method: 'notifications/initialized' }];
  for (let i = 1; i <= 200; i++) lines.push({ jsonrpc: '2.0', id: i, method: 'ping' });
  writeFileSync(join(dir, 'in'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const fin = openSync(join(dir, 'in'), 'r');
  const fout = openSync(join(dir, 'out'), 'w');
  const store = privateStore();
  const child = spawn(CORRAL, [...store.args, 'serve'], { stdio: [fin, fout, 'pipe'], env: store.env });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  t.after(store.cleanup);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  closeSync(fin);
  closeSync(fout);
  assert.equal(code, 0);
  const out = readFileSync(join(dir, 'out'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.length, 201);
  assert.equal(out[200].id, 200);
});
