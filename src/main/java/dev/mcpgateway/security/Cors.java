package dev.mcpgateway.security;

import java.util.List;
import java.util.Locale;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * CORS for browser-based MCP clients: allowed origins get their origin echoed, the MCP request
 * headers allowed, and the headers a client must read ({@code Mcp-Session-Id},
 * {@code MCP-Protocol-Version}, {@code WWW-Authenticate}) exposed. Preflights end here; other
 * requests go on.
 */
final class Cors {

    static final String ALLOW_HEADERS = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, "
            + "Last-Event-ID, Mcp-Method, Mcp-Name, X-API-Key, DPoP";
    static final String EXPOSE_HEADERS = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate";

    private final List<String> origins;
    private final boolean any;

    Cors(List<String> origins) {
        this.origins = origins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
        this.any = this.origins.contains("*");
    }

    boolean allowed(String origin) {
        if (any) {
            return true;
        }
        String o = origin.toLowerCase(Locale.ROOT);
        for (String allowed : origins) {
            // "http://localhost" allows it on any port, as the DNS-rebinding check does.
            if (o.equals(allowed) || o.startsWith(allowed + ":")) {
                return true;
            }
        }
        return false;
    }

    void handle(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        boolean preflight = ctx.request().method() == HttpMethod.OPTIONS
                && ctx.request().getHeader("Access-Control-Request-Method") != null;
        HttpServerResponse res = ctx.response();
        if (origin == null) {
            if (ctx.request().method() == HttpMethod.OPTIONS) {
                res.setStatusCode(204).putHeader("Allow", "GET, POST, DELETE, OPTIONS").end();
                return;
            }
            ctx.next();
            return;
        }
        res.putHeader("Vary", "Origin");
        if (!allowed(origin)) {
            if (preflight) {
                res.setStatusCode(403).end();
                return;
            }
            ctx.next();
            return;
        }
        res.putHeader("Access-Control-Allow-Origin", origin);
        res.putHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
        if (preflight) {
            res.putHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
            res.putHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
            res.putHeader("Access-Control-Max-Age", "600");
            res.setStatusCode(204).end();
            return;
        }
        ctx.next();
    }
}
