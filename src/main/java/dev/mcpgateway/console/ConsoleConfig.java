package dev.mcpgateway.console;

import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The operator console at {@code /console} and its JSON API under {@code /console/api}. */
@ConfigMapping(prefix = "mcp-gateway.console")
public interface ConsoleConfig {

    /** Serves the console. Off by default. */
    @WithDefault("false")
    boolean enabled();

    /**
     * Admin API keys, by name: {@code mcp-gateway.console.api-keys.alice=<key>}. A caller presents
     * one in the {@code X-Console-Key} header (or as {@code Authorization: Bearer <key>}). Held as
     * SHA-256 digests and compared in constant time.
     */
    Map<String, String> apiKeys();

    /**
     * An OAuth scope that grants the console, e.g. {@code mcp-gateway:admin}: a bearer token is
     * validated with the issuer of the route named by {@link #oauthRoute()} (or of the first route
     * that has OAuth) and must carry this scope.
     */
    Optional<String> oauthScope();

    /** The route whose OAuth settings (issuer, audience, keys) validate console tokens. */
    Optional<String> oauthRoute();

    /** Most sessions one listing returns. */
    @WithDefault("500")
    int maxListedSessions();
}
