#!/usr/bin/env node
// Test upstream speaking MCP protocol revision 2026-07-28 (stateless, per-request `_meta`).
//
//   PORT=<port> node modern-upstream.mjs        (PORT=0: the kernel picks one)
//
// A Streamable HTTP MCP server on the official TypeScript SDK v2 (`@modelcontextprotocol/server`
// 2.4.0): `createMcpHandler` builds one `McpServer` per HTTP request from the factory below and
// answers `server/discover`, the per-request `_meta` envelope checks, `Mcp-Method` / `Mcp-Name`
// header checks, multi-round-trip results (`resultType: "input_required"`), cache hints
// (`ttlMs` / `cacheScope`) and `subscriptions/listen` streams. A small `node:http` layer in
// front turns Node requests into web `Request`s, checks Host / Origin (DNS rebinding) and streams
// the web `Response` back. There is no session, no GET stream and no `initialize`: 2025-era
// traffic is refused with the SDK's unsupported-protocol-version error unless
// `LEGACY=stateless` is set (then the SDK serves it statelessly from the same factory).
//
// It serves what the server scenarios of the conformance suite 0.2.0-alpha.12 call for
// `--requirements 2026-07-28`, plus a few things for the gateway's own tests (`echo`,
// `ask_name`, `ask_model`, `trigger_list_changed` -> `dynamic_tool`, `touch_counter` ->
// `test://modern/counter`). Bound to 127.0.0.1 only; endpoint http://127.0.0.1:<port>/mcp.
//
// Ready line (stderr): `modern-upstream listening on http://127.0.0.1:<port>/mcp`.
// Environment: PORT (default 0), LEGACY (`reject` default, or `stateless`), LIST_TTL_MS (ttlMs of
// the list results and server/discover, default 60000), DEBUG=1 (one stderr line per request).
// See README.md ("modern-upstream.mjs") for what it serves.

import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  McpServer,
  ResourceTemplate,
  createMcpHandler,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';

import { CONTENT_TOOLS, PNG } from './fixtures.mjs';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '0', 10);
const LEGACY = process.env.LEGACY === 'stateless' ? 'stateless' : 'reject';
const LIST_TTL_MS = Number.parseInt(process.env.LIST_TTL_MS ?? '60000', 10);
const DEBUG = process.env.DEBUG === '1';
const NAME = 'modern-upstream';


const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => ({ type: 'text', text: value });
const textResult = (value) => ({ content: [text(value)] });
const NO_ARGS = { type: 'object', properties: {} };

// ---------------------------------------------------------------------------------------------
// State shared by all requests (the McpServer instances are per request).

const state = {
  /** `dynamic_tool` is listed once `trigger_list_changed` ran. */
  dynamicTool: false,
  /** `test_dynamic_tool` is listed once `test_trigger_tool_change` ran. */
  conformanceDynamicTool: false,
  /** `test_dynamic_prompt` is listed once `test_trigger_prompt_change` ran. */
  dynamicPrompt: false,
  /** Value of test://modern/counter; `touch_counter` increments it. */
  counter: 0,
};

const COUNTER_URI = 'test://modern/counter';

// requestState is HMAC-signed (the SDK's codec) with a per-process key, so a tampered or foreign
// state is refused with -32602 before any handler runs.
const stateCodec = createRequestStateCodec({ key: randomBytes(32), ttlSeconds: 600 });

/** The client capabilities the current request declared in its `_meta` envelope. */
function clientCapabilities(ctx) {
  return ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities'] ?? {};
}

/** The accepted form content of elicitation response `key`, or undefined. */
function accepted(ctx, key) {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  return view.kind === 'elicit' && view.action === 'accept' ? (view.content ?? {}) : undefined;
}

/** The text of sampling response `key`, or undefined. */
function sampled(ctx, key) {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind !== 'sampling') return undefined;
  const blocks = Array.isArray(view.result.content) ? view.result.content : [view.result.content];
  return blocks.filter((block) => block?.type === 'text').map((block) => block.text).join('');
}

/** The roots of roots/list response `key`, or undefined. */
function roots(ctx, key) {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  return view.kind === 'roots' ? view.roots : undefined;
}

const elicitForm = (message, properties, required = Object.keys(properties)) => inputRequired.elicit({
  message,
  requestedSchema: { type: 'object', properties, required },
});

// ---------------------------------------------------------------------------------------------
// Tools. Each entry: name, description, inputSchema (JSON Schema, sent as written), run(args, ctx).

/** @type {Array<{name: string, description: string, inputSchema: object, run: Function, listed?: () => boolean}>} */
const TOOLS = [
  // --- conformance: content types
  ...CONTENT_TOOLS,
  {
    name: 'test_tool_with_progress',
    description: 'Reports progress 0, 50, 100 of 100 when the request carries a progress token',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100 } });
        }
        if (progress < 100) await sleep(50);
      }
      return textResult(`Progress tool completed${progressToken === undefined ? ' (no progress token)' : ''}`);
    },
  },

  // --- conformance: server-stateless diagnostics
  {
    name: 'test_missing_capability',
    description: 'Needs the sampling capability: without it in _meta the call fails with -32021',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const reply = sampled(ctx, 'sample');
      if (reply !== undefined) return textResult(`Sampling answered: ${reply}`);
      // The SDK checks embedded requests against the envelope's clientCapabilities and answers
      // MissingRequiredClientCapabilityError (-32021, HTTP 400) when sampling is not declared.
      return inputRequired({
        inputRequests: {
          sample: inputRequired.createMessage({
            messages: [{ role: 'user', content: text('Say something') }],
            maxTokens: 20,
          }),
        },
      });
    },
  },
  {
    name: 'test_streaming_elicitation',
    description: 'Asks for a name through an input_required result (never a server-to-client request)',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const content = accepted(ctx, 'name');
      if (content !== undefined) return textResult(`Thanks, ${content.name}`);
      return inputRequired({ inputRequests: { name: elicitForm('What is your name?', { name: { type: 'string' } }) } });
    },
  },
  {
    name: 'test_logging_tool',
    description: 'Logs three info messages (sent only when the request _meta sets a logLevel)',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      await ctx.mcpReq.log('info', 'Tool execution started', NAME);
      await sleep(20);
      await ctx.mcpReq.log('info', 'Tool processing data', NAME);
      await sleep(20);
      await ctx.mcpReq.log('info', 'Tool execution completed', NAME);
      return textResult('Logging tool completed');
    },
  },
  {
    name: 'test_trigger_tool_change',
    description: 'Adds test_dynamic_tool and notifies tools/list_changed on open subscriptions',
    inputSchema: NO_ARGS,
    run: async () => {
      state.conformanceDynamicTool = true;
      notifier().toolsChanged();
      return textResult('Tool list changed');
    },
  },
  {
    name: 'test_dynamic_tool',
    description: 'Listed once test_trigger_tool_change ran',
    inputSchema: NO_ARGS,
    listed: () => state.conformanceDynamicTool,
    run: async () => textResult('Dynamic tool (conformance)'),
  },
  {
    name: 'test_trigger_prompt_change',
    description: 'Adds test_dynamic_prompt and notifies prompts/list_changed on open subscriptions',
    inputSchema: NO_ARGS,
    run: async () => {
      state.dynamicPrompt = true;
      notifier().promptsChanged();
      return textResult('Prompt list changed');
    },
  },

  // --- conformance: multi-round-trip (input_required) tools
  {
    name: 'test_input_required_result_elicitation',
    description: 'Round 1: input_required with elicitation user_name; round 2: Hello, <name>!',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const content = accepted(ctx, 'user_name');
      if (content !== undefined && typeof content.name === 'string') return textResult(`Hello, ${content.name}!`);
      return inputRequired({
        inputRequests: { user_name: elicitForm('What is your name?', { name: { type: 'string' } }) },
      });
    },
  },
  {
    name: 'test_input_required_result_sampling',
    description: 'Round 1: input_required with sampling capital_question; round 2: the sampled text',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const reply = sampled(ctx, 'capital_question');
      if (reply !== undefined) return textResult(`Sampling result: ${reply}`);
      return inputRequired({
        inputRequests: {
          capital_question: inputRequired.createMessage({
            messages: [{ role: 'user', content: text('What is the capital of France?') }],
            maxTokens: 100,
          }),
        },
      });
    },
  },
  {
    name: 'test_input_required_result_list_roots',
    description: 'Round 1: input_required with roots/list client_roots; round 2: the roots',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const list = roots(ctx, 'client_roots');
      if (list !== undefined) return textResult(`Roots: ${list.map((root) => root.uri).join(', ')}`);
      return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    },
  },
  {
    name: 'test_input_required_result_request_state',
    description: 'Round 1: input_required with elicitation confirm and signed requestState; round 2: state-ok',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const saved = ctx.mcpReq.requestState();
      const content = accepted(ctx, 'confirm');
      if (saved?.step === 'confirm' && content !== undefined) {
        return textResult(`state-ok: confirmed=${content.ok === true}`);
      }
      return inputRequired({
        inputRequests: { confirm: elicitForm('Please confirm', { ok: { type: 'boolean' } }) },
        requestState: await stateCodec.mint({ step: 'confirm' }),
      });
    },
  },
  {
    name: 'test_input_required_result_multiple_inputs',
    description: 'Round 1: elicitation, sampling and roots/list at once (with requestState); round 2: complete',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const content = accepted(ctx, 'user_name');
      const greeting = sampled(ctx, 'greeting');
      const list = roots(ctx, 'client_roots');
      if (content !== undefined && greeting !== undefined && list !== undefined) {
        return textResult(`name=${content.name}; greeting=${greeting}; roots=${list.map((root) => root.uri).join(',')}`);
      }
      return inputRequired({
        inputRequests: {
          user_name: elicitForm('What is your name?', { name: { type: 'string' } }),
          greeting: inputRequired.createMessage({
            messages: [{ role: 'user', content: text('Generate a greeting') }],
            maxTokens: 50,
          }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await stateCodec.mint({ step: 'all-inputs' }),
      });
    },
  },
  {
    name: 'test_input_required_result_multi_round',
    description: 'Round 1: step1 (name); round 2: step2 (color) with new requestState; round 3: complete',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const saved = ctx.mcpReq.requestState();
      if (saved?.round === 2) {
        const color = accepted(ctx, 'step2');
        if (color !== undefined) return textResult(`${saved.name ?? 'someone'} likes ${color.color ?? 'no colour'}`);
        return inputRequired({
          inputRequests: { step2: elicitForm('Step 2: What is your favorite color?', { color: { type: 'string' } }) },
          requestState: await stateCodec.mint({ round: 2, name: saved.name }),
        });
      }
      const name = accepted(ctx, 'step1');
      if (saved?.round === 1 && name !== undefined) {
        return inputRequired({
          inputRequests: { step2: elicitForm('Step 2: What is your favorite color?', { color: { type: 'string' } }) },
          requestState: await stateCodec.mint({ round: 2, name: name.name }),
        });
      }
      return inputRequired({
        inputRequests: { step1: elicitForm('Step 1: What is your name?', { name: { type: 'string' } }) },
        requestState: await stateCodec.mint({ round: 1 }),
      });
    },
  },
  {
    name: 'test_input_required_result_tampered_state',
    description: 'input_required with HMAC-signed requestState; a tampered state is refused with -32602',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const saved = ctx.mcpReq.requestState();
      const content = accepted(ctx, 'confirm');
      if (saved?.step === 'tamper-check' && content !== undefined) return textResult('state verified');
      return inputRequired({
        inputRequests: { confirm: elicitForm('Please confirm', { ok: { type: 'boolean' } }) },
        requestState: await stateCodec.mint({ step: 'tamper-check' }),
      });
    },
  },
  {
    name: 'test_input_required_result_capabilities',
    description: 'Asks only for what the request _meta clientCapabilities declare (elicitation, sampling, roots)',
    inputSchema: NO_ARGS,
    run: async (_args, ctx) => {
      const caps = clientCapabilities(ctx);
      const content = accepted(ctx, 'user_name');
      const reply = sampled(ctx, 'greeting');
      const list = roots(ctx, 'client_roots');
      const inputRequests = {};
      if (caps.elicitation && content === undefined) {
        inputRequests.user_name = elicitForm('What is your name?', { name: { type: 'string' } });
      }
      if (caps.sampling && reply === undefined) {
        inputRequests.greeting = inputRequired.createMessage({
          messages: [{ role: 'user', content: text('Generate a greeting') }],
          maxTokens: 50,
        });
      }
      if (caps.roots && list === undefined) inputRequests.client_roots = inputRequired.listRoots();
      if (Object.keys(inputRequests).length > 0) return inputRequired({ inputRequests });
      return textResult(`Completed with: ${JSON.stringify({ name: content?.name, greeting: reply, roots: list?.length })}`);
    },
  },

  // --- conformance: not-scored (pending) scenarios
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool whose input schema uses JSON Schema 2020-12 keywords ($defs, $anchor, if/then/else, ...)',
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
    run: async (args) => textResult(`Received: ${JSON.stringify(args)}`),
  },
  {
    name: 'test_mcp_param_header',
    description: 'Its region argument is mirrored in the Mcp-Param-Region header (x-mcp-header); the SDK checks the header against the body',
    inputSchema: {
      type: 'object',
      properties: { region: { type: 'string', description: 'A region name', 'x-mcp-header': 'Region' } },
      required: ['region'],
    },
    run: async (args) => textResult(`Region: ${args.region}`),
  },

  // --- for the gateway's own tests
  {
    name: 'echo',
    description: 'Echoes the message back',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'Text to echo' } },
      required: ['message'],
    },
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
          name: elicitForm('What is your name?', { name: { type: 'string', description: 'Your name' } }),
        },
      });
    },
  },
  {
    name: 'ask_model',
    description: 'Asks the client model (input_required, sampling/createMessage key "sample"), then reports',
    inputSchema: {
      type: 'object',
      properties: { prompt: { type: 'string', description: 'What to ask the model (optional)' } },
    },
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
    name: 'trigger_list_changed',
    description: 'Adds dynamic_tool and notifies tools/list_changed on every subscription that asked for it',
    inputSchema: NO_ARGS,
    run: async () => {
      state.dynamicTool = true;
      notifier().toolsChanged();
      return textResult('dynamic_tool added');
    },
  },
  {
    name: 'dynamic_tool',
    description: 'Listed once trigger_list_changed ran',
    inputSchema: NO_ARGS,
    listed: () => state.dynamicTool,
    run: async () => textResult('Dynamic tool called'),
  },
  {
    name: 'touch_counter',
    description: `Increments ${COUNTER_URI} and notifies resources/updated to its subscribers`,
    inputSchema: NO_ARGS,
    run: async () => {
      state.counter += 1;
      notifier().resourceUpdated(COUNTER_URI);
      return textResult(`counter=${state.counter}`);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Resources and prompts

const LIST_HINT = { ttlMs: LIST_TTL_MS, cacheScope: 'public' };

const STATIC_RESOURCES = [
  {
    uri: 'test://static-text', name: 'static-text', title: 'Static text',
    description: 'A static text resource', mimeType: 'text/plain', cacheHint: LIST_HINT,
    read: () => ({ text: 'This is the content of the static text resource.' }),
  },
  {
    uri: 'test://static-binary', name: 'static-binary', title: 'Static binary',
    description: 'A static binary resource (a 1x1 red PNG)', mimeType: 'image/png', cacheHint: LIST_HINT,
    read: () => ({ blob: PNG }),
  },
  {
    uri: 'test://watched-resource', name: 'watched-resource', title: 'Watched resource',
    description: 'A resource clients may subscribe to', mimeType: 'text/plain', cacheHint: LIST_HINT,
    read: () => ({ text: 'Watched resource content.' }),
  },
  {
    uri: COUNTER_URI, name: 'counter', title: 'Counter',
    description: 'A number that touch_counter increments (resources/updated on every change)',
    mimeType: 'text/plain', cacheHint: { ttlMs: 0, cacheScope: 'private' },
    read: () => ({ text: String(state.counter) }),
  },
];

const PROMPTS = [
  {
    name: 'test_simple_prompt', description: 'A prompt without arguments',
    get: () => ({ messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }] }),
  },
  {
    name: 'test_prompt_with_arguments', description: 'A prompt with two required arguments',
    argsSchema: {
      type: 'object',
      properties: {
        arg1: { type: 'string', description: 'First test argument' },
        arg2: { type: 'string', description: 'Second test argument' },
      },
      required: ['arg1', 'arg2'],
    },
    get: (args) => ({
      messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`) }],
    }),
  },
  {
    name: 'test_prompt_with_embedded_resource', description: 'A prompt that embeds the resource it is given',
    argsSchema: {
      type: 'object',
      properties: { resourceUri: { type: 'string', description: 'URI of the resource to embed' } },
      required: ['resourceUri'],
    },
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
  {
    name: 'test_input_required_result_prompt',
    description: 'prompts/get that first asks for context (input_required, elicitation user_context)',
    get: (_args, ctx) => {
      const content = accepted(ctx, 'user_context');
      if (content !== undefined) {
        return { messages: [{ role: 'user', content: text(`Prompt using context: ${content.context}`) }] };
      }
      return inputRequired({
        inputRequests: {
          user_context: elicitForm('What context should the prompt use?', { context: { type: 'string' } }),
        },
      });
    },
  },
  {
    name: 'test_dynamic_prompt', description: 'Listed once test_trigger_prompt_change ran',
    listed: () => state.dynamicPrompt,
    get: () => ({ messages: [{ role: 'user', content: text('Dynamic prompt') }] }),
  },
];

/** Completion candidates per (ref, argument); answers are the candidates starting with the typed value. */
const COMPLETIONS = {
  'ref/prompt:test_prompt_with_arguments:arg1': ['paris', 'park', 'party', 'test-value-1'],
  'ref/prompt:test_prompt_with_arguments:arg2': ['london', 'lisbon', 'test-value-2'],
  'ref/prompt:test_prompt_with_embedded_resource:resourceUri': ['test://static-text', 'test://static-binary'],
  'ref/resource:test://template/{id}/data:id': ['1', '2', '3', '123'],
};

// ---------------------------------------------------------------------------------------------
// The per-request server factory.

function buildServer() {
  const server = new McpServer(
    { name: NAME, title: 'MCP gateway 2026-07-28 test upstream', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      instructions: 'Test upstream (protocol 2026-07-28) for the MCP gateway tests and the conformance suite.',
      cacheHints: {
        'server/discover': LIST_HINT,
        'tools/list': LIST_HINT,
        'prompts/list': LIST_HINT,
        'resources/list': LIST_HINT,
        'resources/templates/list': LIST_HINT,
        'resources/read': { ttlMs: 0, cacheScope: 'private' },
      },
      requestState: { verify: (value, ctx) => stateCodec.verify(value, ctx) },
    },
  );

  for (const tool of TOOLS) {
    if (tool.listed && !tool.listed()) continue;
    server.registerTool(tool.name, {
      description: tool.description,
      inputSchema: fromJsonSchema(tool.inputSchema),
    }, (args, ctx) => tool.run(args ?? {}, ctx));
  }

  for (const resource of STATIC_RESOURCES) {
    const { uri, name, read, cacheHint, ...metadata } = resource;
    server.registerResource(name, uri, { ...metadata, cacheHint }, async () => ({
      contents: [{ uri, mimeType: metadata.mimeType, ...read() }],
    }));
  }
  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', {
      list: undefined,
      complete: { id: (value) => COMPLETIONS['ref/resource:test://template/{id}/data:id'].filter((v) => v.startsWith(value)) },
    }),
    { title: 'Template data', description: 'A resource template with one parameter, id', mimeType: 'application/json' },
    async (uri, variables) => {
      const id = String(variables.id);
      return {
        contents: [{
          uri: uri.href, mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        }],
      };
    },
  );

  for (const prompt of PROMPTS) {
    if (prompt.listed && !prompt.listed()) continue;
    const config = { description: prompt.description };
    if (prompt.argsSchema) {
      config.argsSchema = fromJsonSchema(prompt.argsSchema);
      server.registerPrompt(prompt.name, config, (args, ctx) => prompt.get(args ?? {}, ctx));
    } else {
      server.registerPrompt(prompt.name, config, (ctx) => prompt.get({}, ctx));
    }
  }

  server.server.setRequestHandler('completion/complete', async (request) => {
    const { ref, argument } = request.params;
    const refName = ref.type === 'ref/prompt' ? ref.name : ref.uri;
    const candidates = COMPLETIONS[`${ref.type}:${refName}:${argument.name}`] ?? [];
    const values = candidates.filter((value) => value.startsWith(argument.value ?? ''));
    return { completion: { values, total: values.length, hasMore: false } };
  });

  return server;
}

const handler = createMcpHandler(() => buildServer(), {
  legacy: LEGACY,
  onerror: (error) => {
    if (DEBUG) process.stderr.write(`${NAME}: ${error?.message ?? error}\n`);
  },
});

function notifier() {
  return handler.notify;
}

// ---------------------------------------------------------------------------------------------
// node:http <-> web Request / Response, with Host / Origin validation (DNS rebinding).

const ALLOWED_HOSTS = localhostAllowedHostnames();
const ALLOWED_ORIGINS = localhostAllowedOrigins();

function sendJsonRpcError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', `http://${HOST}`);
  if (url.pathname !== '/mcp') {
    sendJsonRpcError(res, 404, -32600, `Not found: ${url.pathname}`);
    return;
  }
  const host = validateHostHeader(req.headers.host, ALLOWED_HOSTS);
  if (!host.ok) {
    sendJsonRpcError(res, 403, -32600, `Forbidden: ${host.message}`);
    return;
  }
  const origin = validateOriginHeader(req.headers.origin, ALLOWED_ORIGINS);
  if (!origin.ok) {
    sendJsonRpcError(res, 403, -32600, `Forbidden: ${origin.message}`);
    return;
  }

  const aborter = new AbortController();
  res.on('close', () => aborter.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const body = hasBody ? await readBody(req) : undefined;
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? body : undefined,
    signal: aborter.signal,
  });
  if (DEBUG) {
    process.stderr.write(`${NAME}: ${req.method} ${req.headers['mcp-method'] ?? ''} ${req.headers['mcp-name'] ?? ''} ${body?.toString('utf8').slice(0, 300) ?? ''}\n`);
  }

  const response = await handler.fetch(request);
  const outHeaders = {};
  response.headers.forEach((value, name) => { outHeaders[name] = value; });
  res.writeHead(response.status, outHeaders);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  res.on('close', () => reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // client went away, or the stream was cancelled
  }
  res.end();
}

const httpServer = createServer((req, res) => {
  handle(req, res).catch((error) => {
    process.stderr.write(`${NAME}: ${error?.stack ?? error}\n`);
    if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error');
    else res.end();
  });
});

httpServer.listen(PORT, HOST, () => {
  const { port } = httpServer.address();
  process.stderr.write(`${NAME} listening on http://${HOST}:${port}/mcp\n`);
});
httpServer.on('error', (error) => {
  process.stderr.write(`${NAME}: cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
  process.exit(1);
});

let shuttingDown = false;
async function shutdown() {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => process.exit(0), 2000).unref();
  // Ends open subscriptions/listen streams gracefully (a final `resultType: "complete"` response).
  await handler.close().catch(() => {});
  if (DEBUG) process.stderr.write(`${NAME}: handler closed\n`);
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
