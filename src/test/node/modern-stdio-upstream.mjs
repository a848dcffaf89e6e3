#!/usr/bin/env node
// Test upstream speaking MCP protocol revision 2026-07-28 over stdio.
//
//   node modern-stdio-upstream.mjs            (LEGACY=serve also serves an `initialize` opening)
//
// Built on the official TypeScript SDK v2 (`@modelcontextprotocol/server` 2.4.0): `serveStdio`
// owns the era decision of the connection (a `server/discover` probe or any request carrying the
// `_meta` envelope pins one modern `McpServer` from the factory below), answers the envelope
// checks, routes `subscriptions/listen` (each notification tagged with the listen request's id
// in `_meta.io.modelcontextprotocol/subscriptionId`) and `notifications/cancelled`.
// Default LEGACY=reject: an `initialize` opening is refused with the SDK's unsupported-version
// error, so a client that falls back to 2025 era here fails visibly.
//
// Tools (a subset of modern-upstream.mjs, same names and answers): `echo {message}`, `ask_name`
// (input_required elicitation, key "name"), `ask_model` (input_required sampling, key "sample"),
// `trigger_list_changed` (registers `dynamic_tool`, which notifies tools/list_changed),
// `whoami` (the pid, the methods this process read, and the client capabilities and info of the
// request's `_meta`).
// Nothing but JSON-RPC on stdout; a start line on stderr: `modern-stdio-upstream ready (pid N)`.

import { McpServer, fromJsonSchema, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';

const LEGACY = process.env.LEGACY === 'serve' ? 'serve' : 'reject';
const NAME = 'modern-stdio-upstream';
const NO_ARGS = { type: 'object', properties: {} };
const text = (value) => ({ type: 'text', text: value });
const textResult = (value) => ({ content: [text(value)] });

function sampled(ctx, key) {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind !== 'sampling') return undefined;
  const blocks = Array.isArray(view.result.content) ? view.result.content : [view.result.content];
  return blocks.filter((block) => block?.type === 'text').map((block) => block.text).join('');
}

/** The method of every message this process read, in order (`whoami` reports them). */
const received = [];

/** The stdio transport, recording what it reads before serveStdio sees it. */
function recordingTransport() {
  const wire = new StdioServerTransport();
  let inner;
  Object.defineProperty(wire, 'onmessage', {
    configurable: true,
    get: () => inner && ((message, extra) => {
      if (message.method !== undefined) received.push(message.method);
      inner(message, extra);
    }),
    set: (fn) => { inner = fn; },
  });
  return wire;
}

const TOOLS = [
  {
    name: 'echo',
    description: 'Echoes the message',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    run: async (args) => textResult(`Echo: ${args.message}`),
  },
  {
    name: 'ask_name',
    description: 'Asks the user for a name (input_required, elicitation/create key "name"), then greets',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'name');
      if (view.kind === 'elicit' && view.action === 'accept' && typeof view.content?.name === 'string') {
        return textResult(`Hello, ${view.content.name}!`);
      }
      if (view.kind === 'elicit' && view.action !== 'accept') {
        return textResult(`No name given (${view.action})`);
      }
      return inputRequired({
        inputRequests: {
          name: inputRequired.elicit({
            message: 'What is your name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          }),
        },
      });
    },
  },
  {
    name: 'ask_model',
    description: 'Asks the client model (input_required, sampling/createMessage key "sample"), then reports',
    inputSchema: { type: 'object', properties: { prompt: { type: 'string' } } },
    run: async (args, ctx) => {
      const reply = sampled(ctx, 'sample');
      if (reply !== undefined) return textResult(`Model said: ${reply}`);
      return inputRequired({
        inputRequests: {
          sample: inputRequired.createMessage({
            messages: [{ role: 'user', content: text(args.prompt ?? 'Say hello') }],
            maxTokens: 100,
          }),
        },
      });
    },
  },
  {
    name: 'whoami',
    description: 'The pid, the methods this process read, and the client capabilities and info the request declared',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => textResult(JSON.stringify({
      pid: process.pid,
      received,
      clientCapabilities: ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities'] ?? null,
      clientInfo: ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientInfo'] ?? null,
    })),
  },
];

function buildServer() {
  const server = new McpServer(
    { name: NAME, title: 'MCP gateway 2026-07-28 stdio test upstream', version: '1.0.0' },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: 'Test upstream (protocol 2026-07-28 over stdio) for the MCP gateway tests.',
    },
  );
  const register = (tool) => server.registerTool(tool.name, {
    description: tool.description,
    inputSchema: fromJsonSchema(tool.inputSchema),
  }, (args, ctx) => tool.run(args ?? {}, ctx));
  TOOLS.forEach(register);
  let added = false;
  register({
    name: 'trigger_list_changed',
    description: 'Adds dynamic_tool; listen streams that asked for toolsListChanged hear of it',
    inputSchema: NO_ARGS,
    run: async () => {
      if (!added) {
        added = true;
        // Registering on a connected server sends notifications/tools/list_changed, which serveStdio
        // stamps with the id of each subscriptions/listen that asked for it.
        register({
          name: 'dynamic_tool', description: 'Listed once trigger_list_changed ran', inputSchema: NO_ARGS,
          run: async () => textResult('Dynamic tool called'),
        });
      }
      return textResult('dynamic_tool added');
    },
  });
  return server;
}

serveStdio(() => buildServer(), {
  legacy: LEGACY,
  transport: recordingTransport(),
  onerror: (error) => process.stderr.write(`${NAME}: ${error?.message ?? error}\n`),
});
process.stderr.write(`${NAME} ready (pid ${process.pid})\n`);
