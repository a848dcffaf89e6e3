package dev.mcpgateway.grants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One caller's grant toward one backend, as the backend's authorization server issued it.
 *
 * @param accessToken sent upstream as {@code Authorization: Bearer}
 * @param refreshToken renews it, or null
 * @param expiresAt when the access token expires (epoch milliseconds; 0 when the server did not say)
 * @param scope the scopes granted, as the server said, or null
 * @param connectedAt when the caller gave consent (epoch milliseconds)
 */
record Grant(String accessToken, String refreshToken, long expiresAt, String scope, long connectedAt) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The grant a token response carries; {@code previous} supplies what a refresh response may leave out. */
    static Grant fromTokenResponse(JsonNode res, Grant previous, long now) {
        String access = res.path("access_token").asText(null);
        if (access == null || access.isEmpty()) {
            throw new IllegalStateException("no access_token in the token response");
        }
        long expiresIn = res.path("expires_in").asLong(0);
        // RFC 6749 6: the server MAY issue a new refresh token; when it does not, the old one stays valid.
        String refresh = res.path("refresh_token").asText(previous == null ? null : previous.refreshToken());
        String scope = res.path("scope").asText(previous == null ? null : previous.scope());
        return new Grant(access, refresh, expiresIn > 0 ? now + expiresIn * 1000 : 0, scope,
                previous == null ? now : previous.connectedAt());
    }

    String toJson() {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("a", accessToken);
        if (refreshToken != null) {
            o.put("r", refreshToken);
        }
        o.put("e", expiresAt);
        if (scope != null) {
            o.put("s", scope);
        }
        o.put("c", connectedAt);
        return o.toString();
    }

    static Grant fromJson(String json) {
        try {
            JsonNode o = MAPPER.readTree(json);
            return new Grant(o.path("a").asText(), o.path("r").asText(null), o.path("e").asLong(), o.path("s").asText(null),
                    o.path("c").asLong());
        } catch (Exception e) {
            return null;
        }
    }

    /** False once the access token is within {@code marginMillis} of expiring. */
    boolean fresh(long now, long marginMillis) {
        return expiresAt == 0 || now < expiresAt - marginMillis;
    }
}
