package dev.mcpgateway.security;

import io.vertx.core.MultiMap;

/**
 * The principal of a request and its HTTP headers, as authorization rules see them, and what the
 * gateway decided about the request.
 *
 * @param facts decisions recorded while one JSON-RPC request is answered
 */
public record Caller(Principal principal, MultiMap headers, RequestFacts facts) {

    public static final Caller ANONYMOUS = new Caller(Principal.ANONYMOUS, MultiMap.caseInsensitiveMultiMap());

    /** A caller with nothing decided yet. */
    public Caller(Principal principal, MultiMap headers) {
        this(principal, headers, new RequestFacts());
    }

    /** The same caller for one JSON-RPC request: its own facts (a batch shares the HTTP request, not the facts). */
    public Caller forRequest() {
        return new Caller(principal, headers, new RequestFacts());
    }
}
