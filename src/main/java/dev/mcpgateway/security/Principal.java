package dev.mcpgateway.security;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Who is calling, as the transport learned it from the request: a validated token's subject,
 * scopes and claims, or an API key's name; {@link #ANONYMOUS} on an open route.
 *
 * @param name stable identity a session is bound to ("" when anonymous)
 * @param token the raw bearer token, for token exchange toward upstreams; never logged
 */
public record Principal(String name, Set<String> scopes, JsonNode claims, String token) {

    public static final Principal ANONYMOUS = new Principal("", Set.of(), JsonNodeFactory.instance.objectNode(), null);

    public boolean anonymous() {
        return name.isEmpty();
    }
}
