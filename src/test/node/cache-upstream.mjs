#!/usr/bin/env node
// Test upstream for the gateway's tool result cache: tools that count their calls, so a test can
// tell a cached answer (the same count again) from a call that reached this server.
//
//   node cache-upstream.mjs [PORT]          (or PORT=<port>; 0 = the kernel picks one)
//
// `@modelcontextprotocol/sdk` 1.32.2, `McpServer` + `StreamableHTTPServerTransport` with stateful
// sessions; one call counter per tool shared by all sessions of the process. Bound to 127.0.0.1,
// endpoint /mcp. Ready line (stderr): `cache-upstream listening on http://127.0.0.1:<port>/mcp`.
//
// Tools (argument `key`, a string, and an optional free-form object `opts`), each answering the text
// `<tool> #<n> key=<key>` where n counts that tool's calls:
//   read_counter       readOnlyHint: true, idempotentHint: true
//   plain_counter      no annotations
//   failing_read       readOnlyHint: true, idempotentHint: true; answers with isError: true
//   read_only_counter  readOnlyHint: true, idempotentHint: false

import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.argv[2] ?? process.env.PORT ?? '0', 10);
const NAME = 'cache-upstream';
const counts = new Map();

const SAFE = { readOnlyHint: true, idempotentHint: true, destructiveHint: false, openWorldHint: false };
const TOOLS = [
  ['read_counter', SAFE, false],
  ['plain_counter', undefined, false],
  ['failing_read', SAFE, true],
  ['read_only_counter', { readOnlyHint: true, idempotentHint: false }, false],
];

function newServer() {
  const server = new McpServer({ name: NAME, version: '1.0.0' });
  for (const [name, annotations, isError] of TOOLS) {
    server.registerTool(name, {
      description: `Counts its calls (${name})`,
      inputSchema: { key: z.string(), opts: z.record(z.string(), z.any()).optional() },
      ...(annotations ? { annotations } : {}),
    }, async ({ key }) => {
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      return { content: [{ type: 'text', text: `${name} #${n} key=${key}` }], ...(isError ? { isError: true } : {}) };
    });
  }
  return server;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sendError(res, status, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }));
}

const transports = new Map();

async function handle(req, res) {
  const sessionId = req.headers['mcp-session-id'];
  let body;
  if (req.method === 'POST') {
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      sendError(res, 400, 'Parse error');
      return;
    }
  }
  let transport = sessionId ? transports.get(sessionId) : undefined;
  if (!transport) {
    if (sessionId || req.method !== 'POST' || !isInitializeRequest(body)) {
      sendError(res, sessionId ? 404 : 400, sessionId ? 'Session not found' : 'No session: initialize first');
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res, body);
}

const httpServer = createServer((req, res) => {
  const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
  if (path !== '/mcp') {
    sendError(res, 404, `Not found: ${path}`);
    return;
  }
  handle(req, res).catch((error) => {
    process.stderr.write(`${NAME}: ${error?.stack ?? error}\n`);
    if (!res.headersSent) sendError(res, 500, 'Internal error');
    else res.end();
  });
});
httpServer.listen(PORT, HOST, () => {
  process.stderr.write(`${NAME} listening on http://${HOST}:${httpServer.address().port}/mcp\n`);
});
httpServer.on('error', (error) => {
  process.stderr.write(`${NAME}: cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
  process.exit(1);
});
const stop = () => httpServer.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref();
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
