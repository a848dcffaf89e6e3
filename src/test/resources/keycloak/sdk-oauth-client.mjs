// The official MCP TypeScript SDK client doing its own OAuth: it is sent to the gateway with no
// token, reads the 401's resource_metadata, discovers the authorization server (Keycloak) from the
// protected resource metadata, gets a token with the client credentials grant, and lists tools.
// Run with the working directory src/test/node (for its node_modules):
//   node --input-type=module - < sdk-oauth-client.mjs URL CLIENT_ID CLIENT_SECRET SCOPE
// Prints one JSON document: {"tools": [...], "resource": ..., "authorizationServer": ...} or {"error": ...}.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';

const [url, clientId, clientSecret, scope] = process.argv.slice(-4);
const seen = { unauthorized: 0, resourceMetadata: null };
const fetchFn = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401) {
    seen.unauthorized++;
    seen.resourceMetadata = res.headers.get('www-authenticate');
  }
  return res;
};
const provider = new ClientCredentialsProvider({ clientId, clientSecret, scope });
const client = new Client({ name: 'sdk-oauth-client', version: '1' });
const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: fetchFn });
try {
  await client.connect(transport);
  const tools = await client.listTools();
  const token = provider.tokens()?.access_token;
  const claims = token ? JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) : {};
  process.stdout.write(JSON.stringify({
    tools: tools.tools.map((t) => t.name),
    unauthorized: seen.unauthorized,
    challenge: seen.resourceMetadata,
    tokenIssuer: claims.iss,
    tokenAudience: claims.aud,
  }) + '\n');
  await client.close();
  process.exit(0);
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e?.stack ?? e), challenge: seen.resourceMetadata }) + '\n');
  process.exit(1);
}
