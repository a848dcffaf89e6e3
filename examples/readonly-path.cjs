'use strict';
// Preload shim: node --require ./examples/readonly-path.cjs <server> ...
//
// Stands in for a server whose MCP endpoint is /mcp/readonly (GitHub's read-only endpoint in
// examples/mcp-route.yaml): every HTTP request to /mcp/readonly (or a path below it) is handled as
// if it were sent to /mcp, so server-everything, which serves only /mcp, answers there too.

const http = require('node:http');

const ALIAS = process.env.MCP_PATH_ALIAS || '/mcp/readonly';
const TARGET = '/mcp';

const originalEmit = http.Server.prototype.emit;

http.Server.prototype.emit = function aliasPath(event, req, ...rest) {
  if (event === 'request' && req && typeof req.url === 'string'
      && (req.url === ALIAS || req.url.startsWith(ALIAS + '?') || req.url.startsWith(ALIAS + '/'))) {
    req.url = TARGET + req.url.slice(ALIAS.length);
  }
  return originalEmit.call(this, event, req, ...rest);
};
