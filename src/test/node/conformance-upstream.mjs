#!/usr/bin/env node
// Test upstream for the MCP conformance suite (@modelcontextprotocol/conformance, server mode).
//
//   PORT=<port> node conformance-upstream.mjs        (PORT=0: the kernel picks one)
//
// A Streamable HTTP MCP server on the official TypeScript SDK (1.32.2, low-level `Server` so that
// tool input schemas go out exactly as written), with sessions, an event store (priming events,
// `retry`, resumption by Last-Event-ID) and localhost Host-header validation. It serves the tools,
// resources, prompts, completions and logging that the suite's server scenarios call, with the
// results they expect. Bound to 127.0.0.1 only; endpoint http://127.0.0.1:<port>/mcp.
//
// Ready line (stderr): `conformance-upstream listening on http://127.0.0.1:<port>/mcp`.
// See README.md ("conformance-upstream.mjs") for what it serves.

import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  LoggingLevelSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';

import { CONTENT_TOOLS, PNG } from './fixtures.mjs';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '0', 10);
/** `retry` (ms) sent in priming events; short, so a client that was cut off comes back quickly. */
const RETRY_MS = 200;
/** How long test_reconnection runs after it closed its stream. */
const RECONNECTION_RESULT_DELAY_MS = 1500;


const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => ({ type: 'text', text: value });
const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

// ---------------------------------------------------------------------------------------------
// Tools

/** Each entry: the listed tool (name, description, inputSchema) and `run(args, extra, session)`. */
const TOOLS = [
  ...CONTENT_TOOLS,
  {
    name: 'test_tool_with_logging',
    description: 'Sends three info log messages, 50 ms apart, while it runs',
    inputSchema: EMPTY_OBJECT_SCHEMA,
    run: async (_args, extra, session) => {
      await session.log(extra, 'info', 'Tool execution started');
      await sleep(50);
      await session.log(extra, 'info', 'Tool processing data');
      await sleep(50);
      await session.log(extra, 'info', 'Tool execution completed');
      return { content: [text('Tool with logging executed successfully')] };
    },
  },
  {
    name: 'test_tool_with_progress',
    description: 'Reports progress 0, 50, 100 of 100 when the request carries a progress token',
    inputSchema: EMPTY_OBJECT_SCHEMA,
    run: async (_args, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: 100 } });
        }
        if (progress < 100) await sleep(50);
      }
      return { content: [text(`Progress tool completed${progressToken === undefined ? ' (no progress token)' : ''}`)] };
    },
  },
  {
    name: 'test_sampling',
    description: 'Asks the client for an LLM completion of the prompt (sampling/createMessage)',
    inputSchema: {
      type: 'object',
      properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } },
      required: ['prompt'],
    },
    run: async (args, extra, session) => {
      session.requireClientCapability('sampling');
      const result = await extra.sendRequest({
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: text(String(args.prompt ?? '')) }], maxTokens: 100 },
      }, CreateMessageResultSchema);
      const reply = result.content?.type === 'text' ? result.content.text : JSON.stringify(result.content);
      return { content: [text(`LLM response: ${reply}`)] };
    },
  },
  {
    name: 'test_elicitation',
    description: 'Asks the user for a username and an email (elicitation/create, form mode)',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'The message to show the user' } },
      required: ['message'],
    },
    run: async (args, extra, session) => elicit(extra, session, String(args.message ?? ''), {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    }, 'User response'),
  },
  {
    name: 'test_elicitation_sep1034_defaults',
    description: 'Elicitation whose schema has a default for every primitive type (SEP-1034)',
    inputSchema: EMPTY_OBJECT_SCHEMA,
    run: async (_args, extra, session) => elicit(extra, session, 'Please review and update the form fields with defaults', {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
      required: [],
    }, 'Elicitation completed'),
  },
  {
    name: 'test_elicitation_sep1330_enums',
    description: 'Elicitation whose schema has the five enum variants of SEP-1330',
    inputSchema: EMPTY_OBJECT_SCHEMA,
    run: async (_args, extra, session) => elicit(extra, session, 'Please select options from the enum fields', {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', description: 'Untitled single-select', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          description: 'Titled single-select',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          description: 'Legacy titled enum (enumNames, deprecated)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          description: 'Untitled multi-select',
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          description: 'Titled multi-select',
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    }, 'Elicitation completed'),
  },
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          $anchor: 'addressDef',
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
    run: async (args) => ({ content: [text(`Received: ${JSON.stringify(args)}`)] }),
  },
  {
    name: 'test_reconnection',
    description: 'Closes its SSE response stream mid-call (SEP-1699); the result follows on the resumed stream',
    inputSchema: EMPTY_OBJECT_SCHEMA,
    run: async (_args, extra) => {
      await sleep(100);
      // Only a stream that got a priming event (protocol >= 2025-11-25) can be resumed; the SDK
      // offers closeSSEStream only then.
      extra.closeSSEStream?.();
      // The result comes well after the client (or a gateway) has reconnected, and after the
      // gateway's default stream-after (1 s), so a gateway in front answers with an event stream
      // of its own (priming event, retry) that the scenario can check.
      await sleep(RECONNECTION_RESULT_DELAY_MS);
      return { content: [text('Reconnection test completed')] };
    },
  },
];

const TOOLS_BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

async function elicit(extra, session, message, requestedSchema, label) {
  session.requireClientCapability('elicitation');
  const result = await extra.sendRequest({
    method: 'elicitation/create',
    params: { message, requestedSchema },
  }, ElicitResultSchema);
  return { content: [text(`${label}: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`)] };
}

// ---------------------------------------------------------------------------------------------
// Resources and prompts

const STATIC_RESOURCES = [
  {
    uri: 'test://static-text', name: 'static-text', title: 'Static text',
    description: 'A static text resource', mimeType: 'text/plain',
    read: () => ({ text: 'This is the content of the static text resource.' }),
  },
  {
    uri: 'test://static-binary', name: 'static-binary', title: 'Static binary',
    description: 'A static binary resource (a 1x1 red PNG)', mimeType: 'image/png',
    read: () => ({ blob: PNG }),
  },
  {
    uri: 'test://watched-resource', name: 'watched-resource', title: 'Watched resource',
    description: 'A resource clients may subscribe to', mimeType: 'text/plain',
    read: () => ({ text: 'Watched resource content.' }),
  },
];

const TEMPLATE = {
  uriTemplate: 'test://template/{id}/data', name: 'template-data', title: 'Template data',
  description: 'A resource template with one parameter, id', mimeType: 'application/json',
};
const TEMPLATE_PATTERN = /^test:\/\/template\/([^/]+)\/data$/;

const PROMPTS = [
  {
    name: 'test_simple_prompt', description: 'A prompt without arguments',
    get: () => ({ messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }] }),
  },
  {
    name: 'test_prompt_with_arguments', description: 'A prompt with two required arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
    get: (args) => ({
      messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`) }],
    }),
  },
  {
    name: 'test_prompt_with_embedded_resource', description: 'A prompt that embeds the resource it is given',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
    get: (args) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: args.resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: text('Please process the embedded resource above.') },
      ],
    }),
  },
  {
    name: 'test_prompt_with_image', description: 'A prompt with an image',
    get: () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
        { role: 'user', content: text('Please analyze the image above.') },
      ],
    }),
  },
];

const PROMPTS_BY_NAME = new Map(PROMPTS.map((prompt) => [prompt.name, prompt]));

/** Completion candidates per (ref, argument); answers are the candidates starting with the typed value. */
const COMPLETIONS = {
  'ref/prompt:test_prompt_with_arguments:arg1': ['paris', 'park', 'party', 'test-value-1'],
  'ref/prompt:test_prompt_with_arguments:arg2': ['london', 'lisbon', 'test-value-2'],
  'ref/prompt:test_prompt_with_embedded_resource:resourceUri': ['test://static-text', 'test://static-binary'],
  'ref/resource:test://template/{id}/data:id': ['1', '2', '3', '123'],
};

function requireArguments(prompt, args) {
  for (const argument of prompt.arguments ?? []) {
    if (argument.required && (args[argument.name] === undefined || args[argument.name] === '')) {
      throw new McpError(ErrorCode.InvalidParams, `Missing required argument '${argument.name}' for prompt ${prompt.name}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions: one SDK Server + transport per MCP session.

const LEVELS = LoggingLevelSchema.options; // debug .. emergency, in order of severity

class Session {
  constructor() {
    this.level = undefined; // no logging/setLevel yet: send everything
    this.subscriptions = new Set();
    this.server = new Server(
      { name: 'conformance-upstream', title: 'MCP gateway conformance upstream', version: '1.0.0' },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          logging: {},
          completions: {},
        },
        instructions: 'Test upstream serving what the MCP conformance suite server scenarios call.',
      },
    );
    this.registerHandlers();
  }

  requireClientCapability(name) {
    if (!this.server.getClientCapabilities()?.[name]) {
      throw new McpError(ErrorCode.InvalidRequest, `Client does not support ${name}`);
    }
  }

  /** notifications/message on the stream of the current request, honouring logging/setLevel. */
  async log(extra, level, data) {
    if (this.level !== undefined && LEVELS.indexOf(level) < LEVELS.indexOf(this.level)) return;
    await extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'conformance-upstream', data } });
  }

  registerHandlers() {
    const server = this.server;
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: TOOLS.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const tool = TOOLS_BY_NAME.get(request.params.name);
      if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
      return tool.run(request.params.arguments ?? {}, extra, this);
    });
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({
      resources: STATIC_RESOURCES.map(({ read, ...resource }) => resource),
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [TEMPLATE] }));
    server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
      const uri = request.params.uri;
      const resource = STATIC_RESOURCES.find((r) => r.uri === uri);
      if (resource) return { contents: [{ uri, mimeType: resource.mimeType, ...resource.read() }] };
      const match = TEMPLATE_PATTERN.exec(uri);
      if (match) {
        const id = decodeURIComponent(match[1]);
        return {
          contents: [{
            uri, mimeType: 'application/json',
            text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
          }],
        };
      }
      // -32002 is the "resource not found" code of revisions up to 2025-11-25.
      throw new McpError(-32002, `Resource not found: ${uri}`, { uri });
    });
    server.setRequestHandler(SubscribeRequestSchema, async (request) => {
      this.subscriptions.add(request.params.uri);
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
      this.subscriptions.delete(request.params.uri);
      return {};
    });
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({
      prompts: PROMPTS.map(({ get, ...prompt }) => prompt),
    }));
    server.setRequestHandler(GetPromptRequestSchema, async (request) => {
      const prompt = PROMPTS_BY_NAME.get(request.params.name);
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      const args = request.params.arguments ?? {};
      requireArguments(prompt, args);
      return prompt.get(args);
    });
    server.setRequestHandler(CompleteRequestSchema, async (request) => {
      const { ref, argument } = request.params;
      const refName = ref.type === 'ref/prompt' ? ref.name : ref.uri;
      const candidates = COMPLETIONS[`${ref.type}:${refName}:${argument.name}`] ?? [];
      const values = candidates.filter((value) => value.startsWith(argument.value ?? ''));
      return { completion: { values, total: values.length, hasMore: false } };
    });
    server.setRequestHandler(SetLevelRequestSchema, async (request) => {
      this.level = request.params.level;
      return {};
    });
  }
}

/** Events of every stream of one session; ids are `<stream>|<seq>`, so a replay stays on its stream. */
class SessionEventStore {
  constructor() {
    this.events = []; // { eventId, streamId, message }
    this.seq = 0;
  }

  async storeEvent(streamId, message) {
    const eventId = `${streamId}|${++this.seq}`;
    this.events.push({ eventId, streamId, message });
    return eventId;
  }

  async getStreamIdForEventId(eventId) {
    return this.events.find((event) => event.eventId === eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const index = this.events.findIndex((event) => event.eventId === lastEventId);
    if (index < 0) throw new Error(`Unknown event id: ${lastEventId}`);
    const streamId = this.events[index].streamId;
    for (const event of this.events.slice(index + 1)) {
      // Priming events store an empty message; they are not replayed.
      if (event.streamId === streamId && Object.keys(event.message).length > 0) {
        await send(event.eventId, event.message);
      }
    }
    return streamId;
  }
}

const transports = new Map(); // session id -> transport

function jsonRpcError(res, status, code, message) {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

// createMcpExpressApp on 127.0.0.1 parses JSON bodies and rejects any Host header other than
// localhost / 127.0.0.1 / [::1] with 403 (DNS-rebinding protection).
const app = createMcpExpressApp({ host: HOST });

app.all('/mcp', async (req, res) => {
  try {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = transports.get(sessionId);
      if (!transport) {
        jsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      await transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST') {
      jsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    if (!isInitializeRequest(req.body)) {
      jsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: no session; send initialize first');
      return;
    }
    const session = new Session();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      retryInterval: RETRY_MS,
      onsessioninitialized: (id) => transports.set(id, transport),
      onsessionclosed: (id) => transports.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await session.server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    process.stderr.write(`conformance-upstream: ${error?.stack ?? error}\n`);
    if (!res.headersSent) jsonRpcError(res, 500, ErrorCode.InternalError, 'Internal error');
  }
});

const httpServer = app.listen(PORT, HOST, () => {
  const { port } = httpServer.address();
  process.stderr.write(`conformance-upstream listening on http://${HOST}:${port}/mcp\n`);
});
httpServer.on('error', (error) => {
  process.stderr.write(`conformance-upstream: cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
  process.exit(1);
});

async function shutdown() {
  for (const transport of transports.values()) await transport.close().catch(() => {});
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
