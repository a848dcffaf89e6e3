package dev.mcpgateway.security;

import io.vertx.core.MultiMap;

/** The principal of a request and its HTTP headers, as authorization rules see them. */
public record Caller(Principal principal, MultiMap headers) {

    public static final Caller ANONYMOUS = new Caller(Principal.ANONYMOUS, MultiMap.caseInsensitiveMultiMap());
}
