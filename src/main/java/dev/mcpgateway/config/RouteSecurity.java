package dev.mcpgateway.config;

import java.util.List;
import java.util.Map;

/**
 * Who may use a route, what they may call, and how the gateway authenticates to the route's
 * backends (MCPRoute {@code spec.securityPolicy}, mcp-servers.json {@code auth}). Each part is null
 * (or empty) when not configured.
 *
 * @param oauth MCP authorization: bearer tokens from an OAuth authorization server, RFC 9728
 *        metadata
 * @param apiKeyAuth client API keys
 * @param authorization rules deciding which tools a caller may call
 * @param upstreams credentials the gateway obtains for a backend, by backend name
 */
public record RouteSecurity(OAuthConfig oauth, ApiKeyAuthConfig apiKeyAuth, AuthorizationConfig authorization,
        Map<String, UpstreamAuth> upstreams) {

    /** Anyone may call anything. */
    public static final RouteSecurity NONE = new RouteSecurity(null, null, null);

    public RouteSecurity {
        upstreams = upstreams == null ? Map.of() : Map.copyOf(upstreams);
    }

    /** Client-side security only; backends get no obtained credentials. */
    public RouteSecurity(OAuthConfig oauth, ApiKeyAuthConfig apiKeyAuth, AuthorizationConfig authorization) {
        this(oauth, apiKeyAuth, authorization, Map.of());
    }

    public boolean isNone() {
        return oauth == null && apiKeyAuth == null && authorization == null && upstreams.isEmpty();
    }

    /** The backends whose callers each need their own grant ({@code user_oauth}). */
    public boolean hasUserOAuth() {
        return upstreams.values().stream().anyMatch(u -> u.kind() == UpstreamAuth.Kind.USER_OAUTH);
    }

    /** The same security with credentials obtained for these backends, by backend name. */
    public RouteSecurity withUpstreams(Map<String, UpstreamAuth> more) {
        if (more.isEmpty()) {
            return this;
        }
        Map<String, UpstreamAuth> all = new java.util.LinkedHashMap<>(upstreams);
        all.putAll(more);
        return new RouteSecurity(oauth, apiKeyAuth, authorization, all);
    }

    /** True when callers must authenticate (bearer token or API key). */
    public boolean authenticates() {
        return oauth != null || apiKeyAuth != null;
    }

    /**
     * How the gateway authenticates to one backend, beyond its static headers. The client's own
     * token is never sent upstream unless {@code kind} is {@link Kind#PASSTHROUGH}.
     *
     * @param kind how the credential is obtained
     * @param tokenEndpoint the authorization server's token endpoint; null to discover it from
     *        {@code issuer}
     * @param issuer the authorization server's issuer, used to discover the token endpoint
     * @param clientId the gateway's client id at that server
     * @param clientSecret its secret (client_secret_basic)
     * @param scopes scopes to request, or empty
     * @param audience the audience to ask for (token exchange: the upstream), or null
     * @param header the header the token goes in ({@code Authorization} as {@code Bearer <token>})
     * @param authorizationEndpoint the authorization server's authorization endpoint ({@link Kind#USER_OAUTH});
     *        null to discover it from {@code issuer}
     */
    public record UpstreamAuth(Kind kind, String tokenEndpoint, String issuer, String clientId, String clientSecret,
            List<String> scopes, String audience, String header, String authorizationEndpoint) {

        public UpstreamAuth {
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
            header = header == null || header.isBlank() ? "Authorization" : header;
        }

        public UpstreamAuth(Kind kind, String tokenEndpoint, String issuer, String clientId, String clientSecret,
                List<String> scopes, String audience, String header) {
            this(kind, tokenEndpoint, issuer, clientId, clientSecret, scopes, audience, header, null);
        }

        /** The ways to obtain an upstream credential. */
        public enum Kind {
            /** OAuth 2 client credentials grant: one token for the gateway itself, cached and refreshed. */
            CLIENT_CREDENTIALS,
            /** RFC 8693 token exchange: the caller's token exchanged for one meant for the upstream. */
            TOKEN_EXCHANGE,
            /** The caller's own token, as it came (only when a backend is meant to see it). */
            PASSTHROUGH,
            /**
             * Each caller's own grant from the backend's authorization server (authorization code with
             * PKCE, obtained through a consent link, stored per principal and backend).
             */
            USER_OAUTH
        }
    }
}
