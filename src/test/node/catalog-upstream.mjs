#!/usr/bin/env node
// A catalogue of realistic tools across several backends, for the gateway's tool discovery tests.
//
//   CATALOG=<catalog.json> PORT=<port> node catalog-upstream.mjs
//
// `@modelcontextprotocol/sdk` 1.32.2, low-level `Server` over a stateless
// `StreamableHTTPServerTransport` (no session; JSON answers). Each backend of the catalogue file
// (src/test/resources/discovery/catalog.json: backend -> [name, description, {argument: description}])
// is its own MCP server at /<backend>/mcp. A call answers `<backend>.<tool> called with <arguments JSON>`.
// POST /<backend>/add-tool with a JSON [name, description, {arguments}] adds a tool to that backend's
// listing from then on (a catalogue that changes). Binds 127.0.0.1; PORT=0 or unset: the kernel picks.
// Ready line (stderr): `catalog-upstream listening on http://127.0.0.1:<port> (<n> tools, <m> backends)`.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '0', 10);
const raw = JSON.parse(readFileSync(process.env.CATALOG, 'utf8'));

/** [name, description, {"arg!:type": description}] -> an MCP tool definition. */
function tool([name, description, args]) {
  const properties = {};
  const required = [];
  for (const [key, text] of Object.entries(args ?? {})) {
    const isRequired = key.endsWith('!');
    const [arg, type = 'string'] = (isRequired ? key.slice(0, -1) : key).split(':');
    properties[arg] = { type, description: text };
    if (type === 'array') properties[arg].items = {};
    if (isRequired) required.push(arg);
  }
  const inputSchema = { type: 'object', properties };
  if (required.length) inputSchema.required = required;
  return { name, description, inputSchema };
}

const backends = new Map();
for (const [backend, tools] of Object.entries(raw)) {
  if (!backend.startsWith('_')) backends.set(backend, tools.map(tool));
}

function newServer(backend) {
  const server = new Server({ name: `catalog-${backend}`, version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: backends.get(backend) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    if (!backends.get(backend).some((t) => t.name === name)) {
      return { content: [{ type: 'text', text: `Unknown tool: ${name}` }], isError: true };
    }
    return { content: [{ type: 'text', text: `${backend}.${name} called with ${JSON.stringify(args ?? {})}` }] };
  });
  return server;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const httpServer = createServer(async (req, res) => {
  const [, backend, leaf] = (req.url ?? '').split('?')[0].split('/');
  if (!backends.has(backend)) {
    res.writeHead(404).end();
    return;
  }
  try {
    if (leaf === 'add-tool' && req.method === 'POST') {
      backends.get(backend).push(tool(JSON.parse(await readBody(req))));
      res.writeHead(204).end();
      return;
    }
    if (leaf !== 'mcp' || req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const body = JSON.parse(await readBody(req));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const server = newServer(backend);
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: String(e) } }));
  }
});

httpServer.listen(PORT, HOST, () => {
  const total = [...backends.values()].reduce((n, t) => n + t.length, 0);
  console.error(`catalog-upstream listening on http://${HOST}:${httpServer.address().port} (${total} tools, ${backends.size} backends)`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => httpServer.close(() => process.exit(0)));
