#!/usr/bin/env node
// Test upstream speaking MCP revision 2026-07-28 with the tasks extension
// (`io.modelcontextprotocol/tasks`, SEP-2663), written from the specification text: the SDKs have
// no server side for the extension.
//
//   PORT=<port> node tasks-upstream.mjs        (PORT=0: the kernel picks one)
//
// Stateless Streamable HTTP on node:http, one JSON-RPC request per POST:
// - server/discover advertises `capabilities.extensions["io.modelcontextprotocol/tasks"]`.
// - tools/call of `report` (and `broken_report`) returns a CreateTaskResult (`resultType: "task"`)
//   when the request's `_meta` client capabilities declare the extension, else -32021 (Missing
//   Required Client Capability) naming the extension; `quick` always answers at once.
//   `report` completes after `arguments.ms` (default 300) with the text `report: <topic>`,
//   passing through the status message `gathering` first; `broken_report` fails with a JSON-RPC error.
// - tasks/get (DetailedTask, `resultType: "complete"`), tasks/update and tasks/cancel (empty
//   acknowledgements); an unknown taskId is -32602. `Mcp-Name` must equal `params.taskId`.
// - subscriptions/listen with `notifications.taskIds`: acknowledges them and streams
//   `notifications/tasks` (the full DetailedTask) on every status change of those tasks.
// Bound to 127.0.0.1. Ready line (stderr): `tasks-upstream listening on http://127.0.0.1:<port>/mcp`.

import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '0', 10);
const VERSION = '2026-07-28';
const EXTENSION = 'io.modelcontextprotocol/tasks';
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const tasks = new Map(); // taskId -> { task, result?, error?, timers[] }
const listeners = new Set(); // { taskIds:Set, send(method, params) }

const now = () => new Date().toISOString();
const ok = (id, result) => ({ jsonrpc: '2.0', id, result: { resultType: 'complete', ...result } });
const fail = (id, code, message, data) => ({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });

function detailed(entry) {
  const d = { ...entry.task };
  if (entry.task.status === 'completed') d.result = entry.result;
  if (entry.task.status === 'failed') d.error = entry.error;
  return d;
}

function transition(entry, status, fields = {}) {
  if (TERMINAL.has(entry.task.status)) return; // terminal states do not change
  Object.assign(entry, fields);
  entry.task.status = status;
  entry.task.lastUpdatedAt = now();
  if (fields.statusMessage !== undefined) entry.task.statusMessage = fields.statusMessage;
  if (TERMINAL.has(status)) entry.timers.forEach(clearTimeout);
  for (const l of listeners) {
    if (l.taskIds.has(entry.task.taskId)) l.send('notifications/tasks', detailed(entry));
  }
}

const TOOLS = [
  { name: 'report', description: 'Writes a report as a task', inputSchema: { type: 'object', properties: { topic: { type: 'string' }, ms: { type: 'number' } } } },
  { name: 'broken_report', description: 'A task that fails with a JSON-RPC error', inputSchema: { type: 'object', properties: {} } },
  { name: 'quick', description: 'Answers at once', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
];

function callTool(id, params, caps) {
  const name = params?.name;
  const args = params?.arguments ?? {};
  if (name === 'quick') return ok(id, { content: [{ type: 'text', text: `quick: ${args.text ?? ''}` }] });
  if (name !== 'report' && name !== 'broken_report') return fail(id, -32602, `Unknown tool: ${name}`);
  if (!caps?.extensions?.[EXTENSION]) {
    return fail(id, -32021, 'Missing required client capability', { requiredCapabilities: { extensions: { [EXTENSION]: {} } } });
  }
  const created = now();
  const task = { taskId: randomUUID(), status: 'working', createdAt: created, lastUpdatedAt: created, ttlMs: 60000, pollIntervalMs: 100 };
  const entry = { task, timers: [] };
  tasks.set(task.taskId, entry); // durably created before the CreateTaskResult is sent
  const ms = Number(args.ms ?? 300);
  entry.timers.push(setTimeout(() => transition(entry, 'working', { statusMessage: 'gathering' }), Math.floor(ms / 2)));
  entry.timers.push(setTimeout(() => {
    if (name === 'broken_report') transition(entry, 'failed', { error: { code: -32603, message: 'the report broke' } });
    else transition(entry, 'completed', { result: { content: [{ type: 'text', text: `report: ${args.topic ?? ''}` }], isError: false } });
  }, ms));
  return { jsonrpc: '2.0', id, result: { resultType: 'task', ...task } };
}

function taskRequest(id, method, params, headers) {
  const taskId = params?.taskId;
  if (typeof taskId !== 'string') return fail(id, -32602, 'Invalid params: taskId is required');
  if (headers['mcp-name'] !== taskId) return { status: 400, body: fail(id, -32020, `Header mismatch: Mcp-Name must be ${taskId}`) };
  const entry = tasks.get(taskId);
  if (!entry) return fail(id, -32602, `Unknown task: ${taskId}`);
  if (method === 'tasks/get') return ok(id, detailed(entry));
  if (method === 'tasks/cancel') {
    transition(entry, 'cancelled', { statusMessage: 'cancelled on request' });
    return ok(id, {});
  }
  return ok(id, {}); // tasks/update: nothing of ours asks for input
}

function handle(req, res, message) {
  const { id, method, params } = message;
  const meta = params?._meta ?? {};
  if (meta['io.modelcontextprotocol/protocolVersion'] !== VERSION || req.headers['mcp-protocol-version'] !== VERSION) {
    return reply(res, 400, fail(id ?? null, -32022, 'Unsupported protocol version', { supported: [VERSION] }));
  }
  const caps = meta['io.modelcontextprotocol/clientCapabilities'];
  switch (method) {
    case 'server/discover':
      return reply(res, 200, ok(id, {
        supportedVersions: [VERSION],
        capabilities: { tools: {}, extensions: { [EXTENSION]: {} } },
        serverInfo: { name: 'tasks-upstream', version: '1.0.0' },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'tasks-upstream', version: '1.0.0' } },
      }));
    case 'tools/list':
      return reply(res, 200, ok(id, { tools: TOOLS }));
    case 'tools/call':
      return reply(res, 200, callTool(id, params, caps));
    case 'tasks/get':
    case 'tasks/update':
    case 'tasks/cancel': {
      const out = taskRequest(id, method, params, req.headers);
      return out.status ? reply(res, out.status, out.body) : reply(res, 200, out);
    }
    case 'subscriptions/listen':
      return listen(req, res, id, params);
    default:
      return reply(res, 404, fail(id, -32601, `Method not found: ${method}`));
  }
}

function listen(req, res, id, params) {
  const asked = params?.notifications ?? {};
  const taskIds = new Set((asked.taskIds ?? []).filter((t) => tasks.has(t)));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (method, p) => res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method, params: { ...p, _meta: { 'io.modelcontextprotocol/subscriptionId': id } } })}\n\n`);
  const listener = { taskIds, send };
  send('notifications/subscriptions/acknowledged', { notifications: { taskIds: [...taskIds] } });
  listeners.add(listener);
  req.on('close', () => listeners.delete(listener));
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if (new URL(req.url, 'http://x').pathname !== '/mcp') return reply(res, 404, fail(null, -32600, 'Not found'));
  if (req.method !== 'POST') return reply(res, 405, fail(null, -32600, 'Method not allowed'));
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, fail(null, -32700, 'Parse error'));
    }
    if (message.id === undefined) { // notifications: nothing to do
      res.writeHead(202);
      return res.end();
    }
    if (process.env.DEBUG === '1') process.stderr.write(`${message.method} ${JSON.stringify(message.params ?? {})}\n`);
    handle(req, res, message);
  });
});

server.listen(PORT, HOST, () => {
  process.stderr.write(`tasks-upstream listening on http://${HOST}:${server.address().port}/mcp\n`);
});
