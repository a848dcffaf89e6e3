#!/usr/bin/env node
// The official MCP TypeScript SDK client (1.32.2) holding a DPoP-bound access token.
//
//   DPOP_TOKEN=<access token> DPOP_JWK=<private EC P-256 JWK> node dpop-client.mjs <url>
//
// The SDK has no DPoP support of its own; its transport takes a custom fetch, and this one adds
// "Authorization: DPoP <token>" and a fresh DPoP proof (RFC 9449 section 4.2: ES256, typ dpop+jwt,
// jwk, jti, htm, htu without query and fragment, iat, ath) to every request. Connects, lists the
// tools, calls echo, and prints one JSON document: {"tools": [...], "echo": "...", "requests": N}
// or {"error": "..."} (exit 1).

import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const url = process.argv[2];
const token = process.env.DPOP_TOKEN;
const jwk = JSON.parse(process.env.DPOP_JWK ?? '{}');
if (!url || !token || !jwk.d) {
  process.stderr.write('usage: DPOP_TOKEN=... DPOP_JWK=... node dpop-client.mjs <url>\n');
  process.exit(2);
}

const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
const b64url = (data) => Buffer.from(data).toString('base64url');
const ath = b64url(createHash('sha256').update(token, 'ascii').digest());

function proof(method, target) {
  const u = new URL(target);
  const htu = `${u.protocol}//${u.host}${u.pathname}`;
  const header = b64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk }));
  const payload = b64url(JSON.stringify({
    jti: randomUUID(), htm: method, htu, iat: Math.floor(Date.now() / 1000), ath,
  }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${b64url(signature)}`;
}

let requests = 0;
async function dpopFetch(input, init = {}) {
  const target = input instanceof Request ? input.url : String(input);
  const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  headers.set('Authorization', `DPoP ${token}`);
  headers.set('DPoP', proof(method, target));
  requests++;
  return fetch(input, { ...init, headers });
}

const client = new Client({ name: 'dpop-client', version: '1.0.0' });
try {
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: dpopFetch }));
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const result = await client.callTool({ name: tools.find((n) => n.endsWith('echo')), arguments: { message: 'bound' } });
  const echo = result.content?.[0]?.text ?? null;
  await client.close();
  process.stdout.write(`${JSON.stringify({ tools, echo, requests })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: String(e?.message ?? e) })}\n`);
  process.exit(1);
}
