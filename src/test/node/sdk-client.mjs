#!/usr/bin/env node
// Scenario driver built on the official MCP TypeScript SDK client.
//
//   node sdk-client.mjs <url> <scenario.json | scenario-json-text>
//
// Connects to <url> (Streamable HTTP by default), runs the scenario's steps in
// order, and prints ONE JSON document on stdout (see README.md for the format).
// Exit 0 when the connection was made (even if steps failed), 1 when connecting
// or initializing failed (a JSON document with "error" is still printed), 2 on
// bad usage.

import { readFileSync, existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ResultSchema,
} from '@modelcontextprotocol/sdk/types.js';

const DEFAULT_ROOTS = [{ uri: 'file:///tmp/root', name: 'root' }];
const DEFAULT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };
const MAX_PAGES = 1000;

function usage(message) {
  process.stderr.write(`${message}\nusage: node sdk-client.mjs <url> <scenario.json | scenario-json-text>\n`);
  process.exit(2);
}

function loadScenario(arg) {
  if (arg === undefined) return { steps: [] };
  const text = arg.trimStart().startsWith('{') || arg.trimStart().startsWith('[')
    ? arg
    : existsSync(arg) ? readFileSync(arg, 'utf8') : usage(`scenario file not found: ${arg}`);
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? { steps: parsed } : parsed; // a bare array is taken as the steps
}

function errorJson(err) {
  if (err === null || err === undefined) return { code: null, message: String(err) };
  const code = typeof err.code === 'number' || typeof err.code === 'string' ? err.code : null;
  let message = err.message ?? String(err);
  // McpError prefixes "MCP error <code>: "; strip it so message is the JSON-RPC error message as sent.
  if (err.name === 'McpError' && message.startsWith(`MCP error ${code}: `)) {
    message = message.slice(`MCP error ${code}: `.length);
  }
  const out = { code, message };
  if (err.data !== undefined) out.data = err.data;
  if (err.cause) out.cause = err.cause.code ?? err.cause.message ?? String(err.cause);
  if (err.name && err.name !== 'Error') out.type = err.name;
  return out;
}

function firstUserText(params) {
  for (const msg of params?.messages ?? []) {
    if (msg.role !== 'user') continue;
    const parts = Array.isArray(msg.content) ? msg.content : [msg.content];
    const text = parts.find((p) => p && p.type === 'text');
    if (text) return text.text;
  }
  return '';
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function writeAndExit(doc, code) {
  process.stdout.write(`${JSON.stringify(doc)}\n`, () => process.exit(code));
}

const [url, scenarioArg] = process.argv.slice(2);
if (!url) usage('missing <url>');
let scenario;
try {
  scenario = loadScenario(scenarioArg);
} catch (err) {
  usage(`cannot read scenario: ${err.message}`);
}

const notifications = [];
const serverRequests = [];
const transportErrors = [];
let initializeResult = null;
let notificationWaiters = [];

function recordNotification(message) {
  const entry = { method: message.method };
  if (message.params !== undefined) entry.params = message.params;
  notifications.push(entry);
  notificationWaiters = notificationWaiters.filter((w) => !w.check());
}

const clientInfo = scenario.clientInfo ?? { name: 'mcp-gateway-sdk-test-client', version: '1.0.0' };
const capabilities = scenario.capabilities ?? DEFAULT_CAPABILITIES;
const client = new Client(clientInfo, { capabilities });
let reconnectsSkipped = 0;
client.onerror = (err) => {
  if (!scenario.reconnect && /^Maximum reconnection attempts \(0\) exceeded/.test(err?.message ?? '')) {
    reconnectsSkipped++; // expected with reconnection off, see reconnectionOptions below
    return;
  }
  transportErrors.push(errorJson(err));
};

if (capabilities.sampling) {
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    role: 'assistant',
    content: { type: 'text', text: `sampled: ${firstUserText(request.params)}` },
    model: 'sdk-client-stub',
    stopReason: 'endTurn',
  }));
}
if (capabilities.elicitation) {
  client.setRequestHandler(ElicitRequestSchema, async () => {
    const response = scenario.elicitationResponse;
    if (response && typeof response === 'object' && typeof response.action === 'string') return response;
    return { action: 'accept', content: response ?? {} };
  });
}
if (capabilities.roots) {
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: scenario.roots ?? DEFAULT_ROOTS }));
}

const requestInit = scenario.headers ? { headers: scenario.headers } : undefined;
// SSE stream resumption (reconnect with Last-Event-ID) is off unless the scenario says
// "reconnect": true. SDK 1.32.2 treats only *result* responses as completing a POST SSE
// stream, so after an *error* response on a stream that had a priming event it would
// reconnect and the server would replay events (duplicated messages/notifications).
const reconnectionOptions = scenario.reconnect
  ? undefined
  : { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 30000, reconnectionDelayGrowFactor: 1.5 };
const transport = scenario.transport === 'sse'
  ? new SSEClientTransport(new URL(url), { requestInit })
  : new StreamableHTTPClientTransport(new URL(url), { requestInit, reconnectionOptions });

// Protocol.connect() chains a pre-existing onmessage, so this sees every inbound
// message, including notifications the SDK handles itself (progress, cancelled).
transport.onmessage = (message) => {
  if (message && typeof message === 'object' && 'method' in message) {
    if ('id' in message) {
      serverRequests.push({ method: message.method, params: message.params });
    } else {
      recordNotification(message);
    }
  } else if (message?.result?.serverInfo && message?.result?.protocolVersion && !initializeResult) {
    initializeResult = message.result;
  }
};

function requestOptions(step) {
  const options = {};
  const timeout = step.timeoutMs ?? scenario.timeoutMs;
  if (timeout !== undefined) options.timeout = timeout;
  if (step.progress) {
    options.onprogress = () => {}; // asks for progress (adds _meta.progressToken); recorded via onmessage
    options.resetTimeoutOnProgress = true;
  }
  return options;
}

async function listAll(step, fetchPage, key) {
  const opts = requestOptions(step);
  if (step.paginate === false) {
    const params = step.cursor !== undefined ? { cursor: step.cursor } : undefined;
    return fetchPage(params, opts);
  }
  const items = [];
  const pageSizes = [];
  const seen = new Set();
  let cursor = step.cursor;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(cursor !== undefined ? { cursor } : undefined, opts);
    const pageItems = result[key] ?? [];
    items.push(...pageItems);
    pageSizes.push(pageItems.length);
    cursor = result.nextCursor;
    if (cursor === undefined || cursor === null) break;
    if (seen.has(cursor)) throw new Error(`pagination loop: cursor ${JSON.stringify(cursor)} repeated`);
    seen.add(cursor);
  }
  return { [key]: items, pages: pageSizes.length, pageSizes };
}

function waitForNotification(step) {
  const count = step.count ?? 1;
  const matches = () => notifications.filter((n) => n.method === step.method).length >= count;
  return new Promise((resolve, reject) => {
    if (matches()) return resolve({ method: step.method, count: notifications.filter((n) => n.method === step.method).length });
    const timer = setTimeout(() => {
      notificationWaiters = notificationWaiters.filter((w) => w !== waiter);
      reject(new Error(`timed out after ${step.timeoutMs ?? 10000} ms waiting for ${count} x ${step.method}`));
    }, step.timeoutMs ?? 10000);
    const waiter = {
      check: () => {
        if (!matches()) return false;
        clearTimeout(timer);
        resolve({ method: step.method, count: notifications.filter((n) => n.method === step.method).length });
        return true;
      },
    };
    notificationWaiters.push(waiter);
  });
}

async function runStep(step) {
  const opts = requestOptions(step);
  switch (step.op) {
    case 'listTools':
      return listAll(step, (p, o) => client.listTools(p, o), 'tools');
    case 'listPrompts':
      return listAll(step, (p, o) => client.listPrompts(p, o), 'prompts');
    case 'listResources':
      return listAll(step, (p, o) => client.listResources(p, o), 'resources');
    case 'listResourceTemplates':
      return listAll(step, (p, o) => client.listResourceTemplates(p, o), 'resourceTemplates');
    case 'callTool': {
      const params = { name: step.name, arguments: step.arguments ?? {} };
      if (step._meta) params._meta = step._meta;
      return client.callTool(params, undefined, opts);
    }
    case 'callToolStream': {
      // Task-aware call (tools with execution.taskSupport); returns every streamed message.
      const messages = [];
      const params = { name: step.name, arguments: step.arguments ?? {} };
      const streamOpts = step.task ? { ...opts, task: step.task } : opts;
      for await (const m of client.experimental.tasks.callToolStream(params, undefined, streamOpts)) {
        messages.push(m.type === 'error' ? { type: 'error', error: errorJson(m.error) } : m);
      }
      return { messages };
    }
    case 'getPrompt':
      return client.getPrompt({ name: step.name, arguments: step.arguments }, opts);
    case 'readResource':
      return client.readResource({ uri: step.uri }, opts);
    case 'subscribeResource':
      return client.subscribeResource({ uri: step.uri }, opts);
    case 'unsubscribeResource':
      return client.unsubscribeResource({ uri: step.uri }, opts);
    case 'complete': {
      const params = { ref: step.ref, argument: step.argument };
      if (step.context) params.context = step.context;
      return client.complete(params, opts);
    }
    case 'ping':
      return client.ping(opts);
    case 'setLoggingLevel':
      return client.setLoggingLevel(step.level, opts);
    case 'sendRootsListChanged':
      await client.sendRootsListChanged();
      return {};
    case 'request':
      // Any other JSON-RPC request: {"op":"request","method":"...","params":{...}}
      return client.request({ method: step.method, params: step.params }, ResultSchema, opts);
    case 'notify':
      await client.notification({ method: step.method, params: step.params });
      return {};
    case 'sleep':
      await sleep(step.ms ?? 0);
      return {};
    case 'waitForNotification':
      return waitForNotification(step);
    default:
      throw new Error(`unknown op: ${step.op}`);
  }
}

function baseDocument() {
  return {
    serverInfo: client.getServerVersion() ?? initializeResult?.serverInfo ?? null,
    capabilities: client.getServerCapabilities() ?? initializeResult?.capabilities ?? null,
    protocolVersion: initializeResult?.protocolVersion ?? transport.protocolVersion ?? null,
    instructions: client.getInstructions() ?? null,
    // Streamable HTTP: the Mcp-Session-Id; legacy SSE: the sessionId query parameter of the POST endpoint.
    sessionId: transport.sessionId ?? transport._endpoint?.searchParams?.get('sessionId') ?? null,
  };
}

try {
  await client.connect(transport, scenario.timeoutMs ? { timeout: scenario.timeoutMs } : undefined);
} catch (err) {
  writeAndExit({
    ...baseDocument(),
    error: { phase: 'connect', ...errorJson(err) },
    steps: [],
    notifications,
    serverRequests,
    transportErrors,
  }, 1);
  await new Promise(() => {}); // wait for writeAndExit
}

const doc = baseDocument();
const steps = [];
// "$step:<n>:<dot.path>" anywhere in a step stands for that value of step n's result.
function resolveRefs(value) {
  if (typeof value === 'string') {
    const m = /^\$step:(\d+):(.*)$/.exec(value);
    return m ? m[2].split('.').filter(Boolean).reduce((v, k) => v?.[k], steps[Number(m[1])]?.result) : value;
  }
  if (Array.isArray(value)) return value.map(resolveRefs);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v)]));
  return value;
}
for (const step of scenario.steps ?? []) {
  try {
    const result = await runStep(resolveRefs(step));
    steps.push({ op: step.op, ok: true, result: result ?? {} });
  } catch (err) {
    steps.push({ op: step.op, ok: false, error: errorJson(err) });
  }
}
if (scenario.settleMs) await sleep(scenario.settleMs);

let terminate = null;
if (scenario.terminateSession !== false && typeof transport.terminateSession === 'function' && transport.sessionId) {
  try {
    await transport.terminateSession();
    terminate = { ok: true };
  } catch (err) {
    terminate = { ok: false, error: errorJson(err) };
  }
}
try {
  await client.close();
} catch {
  // closing is best effort
}

writeAndExit({
  ...doc, steps, notifications, serverRequests, transportErrors, reconnectsSkipped, terminateSession: terminate,
}, 0);
