#!/usr/bin/env node
// Benchmark upstream on the official TypeScript SDKs: one `echo` tool, nothing else.
//
//   node bench-upstream.mjs [PORT]                   (or PORT=<port>; 0 = the kernel picks one)
//   MODE=modern node bench-upstream.mjs [PORT]
//
// MODE=sdk (default): `@modelcontextprotocol/sdk` 1.32.2, `McpServer` + `StreamableHTTPServerTransport`
// with stateful sessions (`sessionIdGenerator`): `initialize` creates a session (an McpServer and a
// transport of its own), later requests carry `Mcp-Session-Id`, `DELETE` ends it. Responses to
// `tools/call` are `text/event-stream` (the SDK's default; no `enableJsonResponse`). Protocol up to
// 2025-11-25.
//
// MODE=modern: `@modelcontextprotocol/server` 2.4.0, `createMcpHandler` (one McpServer per request, as
// the SDK does it for revision 2026-07-28): no session, no `initialize`; version and client
// capabilities in each request's `_meta`, `Mcp-Method` / `Mcp-Name` headers checked by the SDK.
//
// Both: tool `echo` with argument `text`, answers `{content: [{type: "text", text}]}`, so the load
// generator checks the same echo on every upstream. Bound to 127.0.0.1; endpoint /mcp.
// Ready line (stderr): `bench-upstream (<mode>) listening on http://127.0.0.1:<port>/mcp`.

import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.argv[2] ?? process.env.PORT ?? '0', 10);
const MODE = process.env.MODE === 'modern' ? 'modern' : 'sdk';
const NAME = 'bench-upstream';

const ECHO_SCHEMA = {
  type: 'object',
  properties: { text: { type: 'string', description: 'Text to echo' } },
  required: ['text'],
};
const echo = async ({ text }) => ({ content: [{ type: 'text', text }] });

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sendError(res, status, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }));
}

/** MODE=sdk: a stateful Streamable HTTP server on SDK 1.x, a transport per session. */
async function sdkHandler() {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const { isInitializeRequest } = await import('@modelcontextprotocol/sdk/types.js');
  const { z } = await import('zod');

  const transports = new Map();
  const newServer = () => {
    const server = new McpServer({ name: NAME, version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes text back', inputSchema: { text: z.string() } }, echo);
    return server;
  };

  return async (req, res) => {
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
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  };
}

/** MODE=modern: revision 2026-07-28 on SDK 2.x, stateless; node:http in front of the web handler. */
async function modernHandler() {
  const { McpServer, createMcpHandler, fromJsonSchema } = await import('@modelcontextprotocol/server');
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: NAME, version: '1.0.0' }, { capabilities: { tools: {} } });
    server.registerTool('echo', { description: 'Echoes text back', inputSchema: fromJsonSchema(ECHO_SCHEMA) }, echo);
    return server;
  }, { legacy: 'reject' });

  return async (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
      else if (value !== undefined) headers.set(name, value);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? HOST}${req.url}`, {
      method: req.method,
      headers,
      body: hasBody ? await readBody(req) : undefined,
    });
    const response = await handler.fetch(request);
    const out = {};
    response.headers.forEach((value, name) => { out[name] = value; });
    if (!response.body) {
      res.writeHead(response.status, out);
      res.end();
      return;
    }
    // Whole answers (JSON or a finished event stream) are written at once; a stream is piped.
    if ((out['content-type'] ?? '').startsWith('application/json')) {
      const bytes = Buffer.from(await response.arrayBuffer());
      out['content-length'] = String(bytes.length);
      res.writeHead(response.status, out);
      res.end(bytes);
      return;
    }
    res.writeHead(response.status, out);
    const reader = response.body.getReader();
    res.on('close', () => reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        res.write(value);
      }
    } catch {
      // the client went away
    }
    res.end();
  };
}

const handle = MODE === 'modern' ? await modernHandler() : await sdkHandler();

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
httpServer.keepAliveTimeout = 0; // the load generator keeps its connections for a whole measurement
httpServer.listen(PORT, HOST, () => {
  process.stderr.write(`${NAME} (${MODE}) listening on http://${HOST}:${httpServer.address().port}/mcp\n`);
});
httpServer.on('error', (error) => {
  process.stderr.write(`${NAME}: cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
  process.exit(1);
});
const stop = () => httpServer.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref();
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
