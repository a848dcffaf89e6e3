#!/usr/bin/env node
// Scenario driver built on the official MCP TypeScript SDK v2 client
// (@modelcontextprotocol/client 2.4.0, protocol revision 2026-07-28 and the 2025 era).
//
//   node sdk2-client.mjs <url> <scenario.json | scenario-json-text>
//
// Same command line and report shape as sdk-client.mjs (the v1 SDK driver), plus
// what the 2026-07-28 revision adds: the negotiated era, the server/discover
// result, input requests fulfilled through multi-round-trip (input_required)
// results, subscriptions/listen streams and a log of the HTTP requests sent.
// Prints ONE JSON document on stdout (see README.md). Exit 0 when connected
// (even if steps failed), 1 when connecting failed (a JSON document with
// "error" is still printed), 2 on bad usage.

import { readFileSync, existsSync } from 'node:fs';
import {
  Client,
  ProtocolError,
  SdkError,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/client';

// The SDK logs with console.debug/console.warn (e.g. "listPrompts() called but server
// does not advertise prompts"); stdout carries only the report, so send all of it to stderr.
for (const level of ['log', 'info', 'debug', 'warn']) {
  console[level] = (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`);
}

const DEFAULT_ROOTS = [{ uri: 'file:///tmp/root', name: 'root' }];
const DEFAULT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };
const MODERN_FROM = '2026-07-28';
const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';
const LIST_KEYS = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};
// A Standard Schema that accepts anything: the result schema of the generic "request" op.
const ANY_RESULT = { '~standard': { version: 1, vendor: 'sdk2-client', validate: (value) => ({ value }) } };

function usage(message) {
  process.stderr.write(`${message}\nusage: node sdk2-client.mjs <url> <scenario.json | scenario-json-text>\n`);
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
  if (err === null || err === undefined || typeof err !== 'object') return { code: null, message: String(err) };
  let code = null;
  const out = {};
  if (ProtocolError.isInstance(err)) {
    code = err.code; // the JSON-RPC error code; message is the wire message as sent
  } else if (SdkHttpError.isInstance(err)) {
    code = err.data?.status ?? null;
    out.sdkCode = err.code;
  } else if (SdkError.isInstance(err)) {
    out.sdkCode = err.code; // local failure: code stays null, the SDK's string code goes here
  } else if (typeof err.code === 'number') {
    code = err.code;
  }
  const result = { code, message: err.message ?? String(err), ...out };
  if (err.data !== undefined) {
    result.data = err.data?.cause instanceof Error ? { ...err.data, cause: err.data.cause.message } : err.data;
  }
  // A non-2xx HTTP answer whose body is a JSON-RPC error (e.g. 404 + -32601 from a
  // 2026-07-28 server): surface that error too.
  if (typeof err.data?.text === 'string') {
    try {
      const body = JSON.parse(err.data.text);
      if (body?.error && typeof body.error.code === 'number') result.rpcError = body.error;
    } catch {
      // not JSON
    }
  }
  if (err.cause) result.cause = causeOf(err);
  if (err.name && err.name !== 'Error') result.type = err.name;
  return result;
}

// The innermost error code of the cause chain (e.g. ECONNREFUSED under "fetch failed"), else its message.
function causeOf(err) {
  let cause = err.cause;
  let message = null;
  for (let depth = 0; cause && depth < 8; depth++, cause = cause.cause) {
    if (typeof cause.code === 'string') return cause.code;
    message = cause.message ?? String(cause);
  }
  return message;
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

function isModern(version) {
  return typeof version === 'string' && version >= MODERN_FROM;
}

// protocolVersion: absent or "auto" → probe with server/discover, fall back to initialize;
// "legacy" → plain 2025 initialize (no probe); a 2026-07-28+ date → pinned, no fallback;
// an older date → plain initialize offering exactly that version.
function negotiationOptions(scenario) {
  const pv = scenario.protocolVersion;
  const probe = scenario.probe ? { probe: scenario.probe } : {};
  const supported = scenario.supportedProtocolVersions ? { supportedProtocolVersions: scenario.supportedProtocolVersions } : {};
  if (pv === undefined || pv === null || pv === 'auto') return { versionNegotiation: { mode: 'auto', ...probe }, ...supported };
  if (pv === 'legacy') return { versionNegotiation: { mode: 'legacy' }, ...supported };
  if (isModern(pv)) return { versionNegotiation: { mode: { pin: pv }, ...probe }, ...supported };
  return {
    versionNegotiation: { mode: 'legacy' },
    supportedProtocolVersions: scenario.supportedProtocolVersions ?? [pv, ...SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v !== pv)],
  };
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
const serverRequests = []; // 2025 era: server→client JSON-RPC requests
const inputRequests = []; // 2026-07-28: embedded requests the client fulfilled (MRTR)
const inputRequired = []; // 2026-07-28: every input_required result received
const http = [];
const transportErrors = [];
const listens = [];
const listResponses = []; // {method, size} per list page received (for pages / pageSizes)
const outboundMethods = new Map(); // JSON-RPC id → method, for every request sent
let notificationWaiters = [];
let reconnectsSkipped = 0;

function recordNotification(message) {
  const entry = { method: message.method };
  if (message.params !== undefined) entry.params = message.params;
  const sid = message.params?._meta?.[SUBSCRIPTION_ID_KEY];
  if (sid !== undefined) entry.subscriptionId = sid;
  notifications.push(entry);
  notificationWaiters = notificationWaiters.filter((w) => !w.check());
}

const clientInfo = scenario.clientInfo ?? { name: 'mcp-gateway-sdk2-test-client', version: '1.0.0' };
const capabilities = scenario.capabilities ?? DEFAULT_CAPABILITIES;
const client = new Client(clientInfo, {
  capabilities,
  ...negotiationOptions(scenario),
  inputRequired: {
    autoFulfill: scenario.autoFulfill !== false,
    ...(scenario.maxRounds !== undefined ? { maxRounds: scenario.maxRounds } : {}),
  },
});
client.onerror = (err) => {
  if (!scenario.reconnect && /^Maximum reconnection attempts \(0\) exceeded/.test(err?.message ?? '')) {
    reconnectsSkipped++; // expected with reconnection off, see reconnectionOptions below
    return;
  }
  transportErrors.push(errorJson(err));
};

// Handlers serve both eras: 2025 server→client requests and 2026-07-28 embedded input
// requests (the SDK's MRTR driver calls the same handlers with a synthetic request whose
// id is the inputRequests key, then retries the original call). Modern-era calls are
// recorded in inputRequests; 2025-era requests are recorded in serverRequests by onmessage.
function handle(method, answer) {
  client.setRequestHandler(method, async (request, ctx) => {
    const result = await answer(request);
    if (client.getProtocolEra() === 'modern') {
      const entry = { key: ctx?.mcpReq?.id ?? request.id ?? null, method, response: result };
      if (request.params !== undefined) entry.params = request.params;
      inputRequests.push(entry);
    }
    return result;
  });
}

if (capabilities.sampling) {
  handle('sampling/createMessage', async (request) => {
    const reply = scenario.samplingResponse;
    if (reply && typeof reply === 'object') return reply;
    return {
      role: 'assistant',
      content: { type: 'text', text: typeof reply === 'string' ? reply : `sampled: ${firstUserText(request.params)}` },
      model: 'sdk2-client-stub',
      stopReason: 'endTurn',
    };
  });
}
if (capabilities.elicitation) {
  handle('elicitation/create', async () => {
    const response = scenario.elicitationResponse;
    if (response && typeof response === 'object' && typeof response.action === 'string') return response;
    return { action: 'accept', content: response ?? {} };
  });
}
if (capabilities.roots) {
  handle('roots/list', async () => ({ roots: scenario.roots ?? DEFAULT_ROOTS }));
}

function describeOutbound(message) {
  if (!message || typeof message !== 'object') return {};
  if ('method' in message) {
    const d = { rpc: message.method };
    if ('id' in message) d.id = message.id;
    const params = message.params ?? {};
    if (params.name !== undefined) d.name = params.name;
    if (params.uri !== undefined) d.uri = params.uri;
    if (params._meta !== undefined) d._meta = params._meta;
    if (params.inputResponses !== undefined) d.inputResponses = params.inputResponses;
    if (params.requestState !== undefined) d.requestState = params.requestState;
    if (params.notifications !== undefined) d.notifications = params.notifications;
    return d;
  }
  if ('id' in message) return { response: message.id, ...('error' in message ? { error: message.error } : {}) };
  return {};
}

// Records every HTTP request the transport makes (including the connect-time probe).
const recordingFetch = async (input, init) => {
  const entry = { method: init?.method ?? 'GET' };
  const headers = new Headers(init?.headers);
  entry.headers = Object.fromEntries([...headers].filter(([name]) => name.startsWith('mcp-') || name === 'last-event-id'));
  if (typeof init?.body === 'string') {
    try {
      const body = JSON.parse(init.body);
      Object.assign(entry, Array.isArray(body) ? { batch: body.map(describeOutbound) } : describeOutbound(body));
    } catch {
      // not JSON: leave the body out
    }
  }
  if (scenario.recordHttp !== false) http.push(entry);
  try {
    const response = await fetch(input, init);
    entry.status = response.status;
    const contentType = response.headers.get('content-type');
    if (contentType) entry.contentType = contentType;
    const sessionId = response.headers.get('mcp-session-id');
    if (sessionId) entry.sessionId = sessionId;
    return response;
  } catch (err) {
    entry.error = err?.name === 'AbortError' ? 'aborted' : (err?.cause?.code ?? err?.message ?? String(err));
    throw err;
  }
};

const requestInit = scenario.headers ? { headers: scenario.headers } : undefined;
// SSE stream resumption (reconnect with Last-Event-ID) is off unless the scenario says
// "reconnect": true, as in sdk-client.mjs.
const reconnectionOptions = scenario.reconnect
  ? undefined
  : { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 30000, reconnectionDelayGrowFactor: 1.5 };
const transport = scenario.transport === 'sse'
  ? new SSEClientTransport(new URL(url), { requestInit, fetch: recordingFetch })
  : new StreamableHTTPClientTransport(new URL(url), { requestInit, reconnectionOptions, fetch: recordingFetch });

// Remember the method of every request sent (the probe included: it sends through here too).
const originalSend = transport.send.bind(transport);
transport.send = (message, options) => {
  for (const m of Array.isArray(message) ? message : [message]) {
    if (m && typeof m === 'object' && 'method' in m && 'id' in m) outboundMethods.set(m.id, m.method);
  }
  return originalSend(message, options);
};

// Protocol.connect() chains a pre-existing onmessage, so this sees every inbound message
// after connect (the server/discover probe reply is consumed by the SDK before that).
transport.onmessage = (message) => {
  if (!message || typeof message !== 'object') return;
  if ('method' in message) {
    if ('id' in message) serverRequests.push({ method: message.method, params: message.params });
    else recordNotification(message);
    return;
  }
  const result = message.result;
  if (!result || typeof result !== 'object') return;
  const method = outboundMethods.get(message.id);
  if (result.resultType === 'input_required') {
    const entry = { id: message.id, requestMethod: method ?? null };
    if (result.inputRequests !== undefined) entry.inputRequests = result.inputRequests;
    if (result.requestState !== undefined) entry.requestState = result.requestState;
    inputRequired.push(entry);
  } else if (LIST_KEYS[method] && Array.isArray(result[LIST_KEYS[method]])) {
    listResponses.push({ method, size: result[LIST_KEYS[method]].length });
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
  if (step.allowInputRequired) options.allowInputRequired = true; // manual MRTR: return input_required as is
  if (step.headers) options.headers = step.headers;
  return options;
}

// Params for the three MRTR-capable requests: the step's own fields plus, for a manual
// retry, inputResponses / requestState / _meta given in the step.
function withRetryParams(params, step) {
  if (step._meta) params._meta = step._meta;
  if (step.inputResponses !== undefined) params.inputResponses = step.inputResponses;
  if (step.requestState !== undefined) params.requestState = step.requestState;
  return params;
}

async function listAll(step, method, call) {
  const key = LIST_KEYS[method];
  const opts = { ...requestOptions(step), cacheMode: step.cacheMode ?? 'refresh' };
  if (step.paginate === false) {
    // One raw page. Without a cursor the SDK's list*() would aggregate, so ask directly.
    const params = step.cursor !== undefined ? { cursor: step.cursor } : {};
    return client.request({ method, params }, opts);
  }
  const before = listResponses.length;
  // The SDK walks every page itself (no cursor) and returns the aggregate.
  const params = step.cursor !== undefined ? undefined : (step._meta ? { _meta: step._meta } : undefined);
  const result = step.cursor !== undefined ? await call({ cursor: step.cursor }, opts) : await call(params, opts);
  const pageSizes = listResponses.slice(before).filter((r) => r.method === method).map((r) => r.size);
  return { ...result, [key]: result[key] ?? [], pages: pageSizes.length, pageSizes };
}

function waitForNotification(step) {
  const count = step.count ?? 1;
  const timeoutMs = step.timeoutMs ?? 10000;
  let subscriptionId;
  if (step.listen !== undefined) {
    const listen = listens.find((l) => l.name === step.listen);
    if (!listen) return Promise.reject(new Error(`no listen named ${step.listen}`));
    subscriptionId = listen.subscriptionId;
  }
  const matching = () => notifications.filter((n) => n.method === step.method
    && (subscriptionId === undefined || n.subscriptionId === subscriptionId)).length;
  const done = () => ({ method: step.method, count: matching(), ...(subscriptionId !== undefined ? { subscriptionId } : {}) });
  return new Promise((resolve, reject) => {
    if (matching() >= count) return resolve(done());
    const timer = setTimeout(() => {
      notificationWaiters = notificationWaiters.filter((w) => w !== waiter);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} x ${step.method}`));
    }, timeoutMs);
    const waiter = {
      check: () => {
        if (matching() < count) return false;
        clearTimeout(timer);
        resolve(done());
        return true;
      },
    };
    notificationWaiters.push(waiter);
  });
}

async function openListen(step) {
  const filter = step.filter ?? {};
  if (!step.filter) {
    for (const k of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged', 'resourceSubscriptions']) {
      if (step[k] !== undefined) filter[k] = step[k];
    }
  }
  const name = step.name ?? `listen${listens.length + 1}`;
  const subscription = await client.listen(filter, requestOptions(step));
  // The listen request id is the subscription id; it is the last subscriptions/listen sent.
  const subscriptionId = [...outboundMethods].filter(([, m]) => m === 'subscriptions/listen').map(([id]) => id).pop() ?? null;
  const entry = { name, subscriptionId, filter, honoredFilter: subscription.honoredFilter, closed: null, subscription };
  subscription.closed.then((cause) => { entry.closed = cause; });
  listens.push(entry);
  return { name, subscriptionId, honoredFilter: subscription.honoredFilter };
}

async function closeListen(step) {
  const listen = step.name !== undefined ? listens.find((l) => l.name === step.name) : listens[listens.length - 1];
  if (!listen) throw new Error(`no listen named ${step.name}`);
  await listen.subscription.close();
  const cause = await listen.subscription.closed;
  return { name: listen.name, closed: cause };
}

// The SDK's wire codec refuses results it has no kind for (`resultType: "task"` of the tasks
// extension); like the ext-tasks package's host-owned raw dispatch, this sends one request with the
// client's exact 2026-07-28 framing and returns the raw result (or throws its JSON-RPC error).
let rawIds = 0;
async function rawRequest(step) {
  const params = { ...(step.params ?? {}) };
  params._meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': clientInfo,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    ...(step.params?._meta ?? {}),
  };
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': step.method,
    ...(scenario.headers ?? {}),
  };
  const name = params.name ?? params.uri ?? params.taskId;
  if (typeof name === 'string') headers['mcp-name'] = name;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: `raw-${++rawIds}`, method: step.method, params }),
  });
  const text = await response.text();
  const message = (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:') && l.length > 5).map((l) => JSON.parse(l.slice(5))).filter((m) => 'result' in m || 'error' in m).pop()
    : JSON.parse(text);
  if (message?.error) throw Object.assign(new Error(message.error.message), { code: message.error.code, data: message.error.data });
  return message?.result ?? {};
}

async function runStep(step) {
  const opts = requestOptions(step);
  switch (step.op) {
    case 'discover':
      return client.discover(opts);
    case 'listTools':
      return listAll(step, 'tools/list', (p, o) => client.listTools(p, o));
    case 'listPrompts':
      return listAll(step, 'prompts/list', (p, o) => client.listPrompts(p, o));
    case 'listResources':
      return listAll(step, 'resources/list', (p, o) => client.listResources(p, o));
    case 'listResourceTemplates':
      return listAll(step, 'resources/templates/list', (p, o) => client.listResourceTemplates(p, o));
    case 'callTool':
      return client.callTool(withRetryParams({ name: step.name, arguments: step.arguments ?? {} }, step), opts);
    case 'getPrompt': {
      const params = { name: step.name };
      if (step.arguments !== undefined) params.arguments = step.arguments;
      return client.getPrompt(withRetryParams(params, step), opts);
    }
    case 'readResource':
      return client.readResource(withRetryParams({ uri: step.uri }, step), { ...opts, cacheMode: step.cacheMode ?? 'refresh' });
    case 'subscribeResource':
      return client.subscribeResource({ uri: step.uri }, opts);
    case 'unsubscribeResource':
      return client.unsubscribeResource({ uri: step.uri }, opts);
    case 'listen':
      return openListen(step);
    case 'closeListen':
      return closeListen(step);
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
      // Any JSON-RPC request: {"op":"request","method":"...","params":{...}}; raw result.
      return client.request({ method: step.method, params: step.params }, ANY_RESULT, opts);
    case 'rawRequest':
      return rawRequest(step);
    case 'notify':
      await client.notification({ method: step.method, params: step.params });
      return {};
    case 'sleep':
      await sleep(step.ms ?? 0);
      return {};
    case 'waitNotification':
    case 'waitForNotification':
      return waitForNotification(step);
    default:
      throw new Error(`unknown op: ${step.op}`);
  }
}

function baseDocument() {
  return {
    serverInfo: client.getServerVersion() ?? null,
    capabilities: client.getServerCapabilities() ?? null,
    protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
    era: client.getProtocolEra() ?? null,
    instructions: client.getInstructions() ?? null,
    // Streamable HTTP 2025 era: the Mcp-Session-Id (none on 2026-07-28); legacy SSE: the sessionId query parameter.
    sessionId: transport.sessionId ?? transport._endpoint?.searchParams?.get('sessionId') ?? null,
  };
}

function records() {
  return {
    notifications,
    serverRequests,
    inputRequests,
    inputRequired,
    listens: listens.map(({ subscription, ...rest }) => rest),
    http,
    transportErrors,
    reconnectsSkipped,
  };
}

try {
  await client.connect(transport, scenario.timeoutMs ? { timeout: scenario.timeoutMs } : undefined);
} catch (err) {
  writeAndExit({ ...baseDocument(), discover: null, error: { phase: 'connect', ...errorJson(err) }, steps: [], ...records() }, 1);
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

for (const listen of listens) {
  if (listen.closed !== null) continue;
  try {
    await listen.subscription.close();
    listen.closed = await listen.subscription.closed;
  } catch {
    // best effort
  }
}

let terminate = null;
if (scenario.terminateSession !== false && typeof transport.terminateSession === 'function' && transport.sessionId) {
  try {
    await transport.terminateSession();
    terminate = { ok: true };
  } catch (err) {
    terminate = { ok: false, error: errorJson(err) };
  }
}
const discover = client.getDiscoverResult() ?? null;
try {
  await client.close();
} catch {
  // closing is best effort
}

writeAndExit({ ...doc, discover, steps, ...records(), terminateSession: terminate }, 0);
