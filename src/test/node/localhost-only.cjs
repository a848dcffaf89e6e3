'use strict';
// Preload shim: node --require ./localhost-only.cjs <script> ...
//
// Forces every net.Server#listen (and so http/https/express servers, which
// inherit from net.Server) that would bind all interfaces -- no host given,
// or host 0.0.0.0 / :: -- to bind 127.0.0.1 instead. Unix-socket paths,
// handles, fds and explicit non-wildcard hosts are left alone.
// Used so that test peers such as server-everything (which calls
// app.listen(PORT) with no host) are never reachable from outside the machine.

const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const WILDCARDS = new Set(['', '0.0.0.0', '::', '::0', '[::]', '0:0:0:0:0:0:0:0']);

function isWildcard(host) {
  return host === undefined || host === null || WILDCARDS.has(String(host).trim());
}

function isPort(value) {
  if (value === undefined || value === null) return true; // listen() / listen(undefined, cb): random port
  if (typeof value === 'number') return true;
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value); // "3001" (env vars) is a port, other strings are pipe paths
}

// With LOCALHOST_ONLY_ANNOUNCE=1 every TCP listen is reported on stderr as
// "localhost-only: listening on 127.0.0.1:<port>" -- lets a test start a server
// with PORT=0 and learn the port the kernel picked.
const ANNOUNCE = process.env.LOCALHOST_ONLY_ANNOUNCE === '1';

const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function localhostOnlyListen(...args) {
  const first = args[0];
  if (typeof first === 'function') {
    // listen(callback)
    args = [0, LOOPBACK, ...args];
  } else if (first !== null && typeof first === 'object') {
    // listen(options[, cb]) or listen(handle[, backlog][, cb])
    const isOptions = !('_handle' in first) && !('fd' in first && first.fd != null)
      && first.handle == null && first.path == null;
    if (isOptions && isWildcard(first.host)) {
      args[0] = { ...first, host: LOOPBACK };
      delete args[0].ipv6Only;
    }
  } else if (isPort(first)) {
    // listen([port[, host[, backlog]]][, callback])
    if (first === undefined || first === null) args[0] = 0; // also turns listen() into listen(0)
    if (typeof args[1] === 'string' || args[1] === null || (args.length > 1 && args[1] === undefined)) {
      if (isWildcard(args[1])) args[1] = LOOPBACK;
    } else {
      // args[1] is a backlog number, a callback, or absent
      args.splice(1, 0, LOOPBACK);
    }
  }
  if (ANNOUNCE) {
    this.once('listening', () => {
      const address = this.address();
      if (address && typeof address === 'object') {
        process.stderr.write(`localhost-only: listening on ${address.address}:${address.port}\n`);
      }
    });
  }
  return originalListen.apply(this, args);
};
