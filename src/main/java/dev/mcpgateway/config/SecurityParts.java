package dev.mcpgateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The parts of a route's security policy both file formats share (mcp-servers.json {@code auth},
 * MCPRoute {@code securityPolicy}): URLs of authorization servers, JWK sets, claims sent as headers,
 * and the shape of authorization rules. Each format reads its own field names and hands the values
 * here, so both refuse the same things with the same words.
 */
final class SecurityParts {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, AuthorizationConfig.Action> ACTIONS = BackendRules.ordered(
            Map.entry("Allow", AuthorizationConfig.Action.ALLOW), Map.entry("Deny", AuthorizationConfig.Action.DENY));
    private static final Map<String, AuthorizationConfig.Action> ACTIONS_LOWER = BackendRules.ordered(
            Map.entry("allow", AuthorizationConfig.Action.ALLOW), Map.entry("deny", AuthorizationConfig.Action.DENY));

    private SecurityParts() {
    }

    /** Reads one rule of {@code rules}. */
    @FunctionalInterface
    interface RuleReader {
        AuthorizationConfig.Rule read(Node rule) throws ConfigException;
    }

    /** An absolute {@code http://} or {@code https://} URL. */
    static String httpUrl(Node node) throws ConfigException {
        String v = node.string();
        try {
            URI uri = new URI(v);
            if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(v, "not absolute");
            }
        } catch (URISyntaxException e) {
            throw node.error("expected an http:// or https:// URL, got \"" + v + "\"");
        }
        return v;
    }

    /** {@link #httpUrl}, or null when absent. */
    static String optHttpUrl(Node node) throws ConfigException {
        return node.present() ? httpUrl(node) : null;
    }

    /** A JWK set document, checked to be one ({@code {"keys": [...]}}). */
    static String jwkSet(Node where, String json) throws ConfigException {
        try {
            JsonNode doc = JSON.readTree(json);
            if (doc != null && doc.path("keys").isArray()) {
                return json;
            }
        } catch (JsonProcessingException e) {
            throw where.error("expected a JWK set {\"keys\": [...]}; invalid JSON: " + e.getOriginalMessage());
        }
        throw where.error("expected a JWK set {\"keys\": [...]}");
    }

    /** {@code claimToHeaders}: a list of {@code {claim, header}}. */
    static List<OAuthConfig.ClaimToHeader> claimToHeaders(Node list) throws ConfigException {
        List<OAuthConfig.ClaimToHeader> out = new ArrayList<>();
        for (Node c : list.list()) {
            c.requireObject();
            c.allowOnly("claim", "header");
            String header = c.field("header").string();
            HeaderRules.checkName(c.field("header"), header);
            out.add(new OAuthConfig.ClaimToHeader(c.field("claim").string(), header));
        }
        return List.copyOf(out);
    }

    /** {@code {defaultAction, rules}}: the default is Deny, rules are tried in order. */
    static AuthorizationConfig authorization(Node auth, RuleReader reader) throws ConfigException {
        auth.requireObject();
        auth.allowOnly("defaultAction", "rules");
        AuthorizationConfig.Action defaultAction = action(auth.field("defaultAction"), AuthorizationConfig.Action.DENY);
        List<AuthorizationConfig.Rule> rules = new ArrayList<>();
        for (Node r : auth.field("rules").list()) {
            r.requireObject();
            rules.add(reader.read(r));
        }
        return new AuthorizationConfig(defaultAction, List.copyOf(rules));
    }

    /** Allow or Deny (mcp-servers.json writes them in lower case). */
    static AuthorizationConfig.Action action(Node node, AuthorizationConfig.Action fallback) throws ConfigException {
        return node.oneOf(node.style() == Node.Style.JSON ? ACTIONS_LOWER : ACTIONS, fallback);
    }

    /** Requirements on the caller's token; null when there are none. */
    static AuthorizationConfig.JwtSource jwtSource(List<String> scopes, List<AuthorizationConfig.JwtClaim> claims) {
        return scopes.isEmpty() && claims.isEmpty() ? null
                : new AuthorizationConfig.JwtSource(List.copyOf(scopes), List.copyOf(claims));
    }

    /** A rule's target, whose backend ({@code *} for any) must be one of the route's. */
    static AuthorizationConfig.ToolTarget target(Node where, String backend, String name, Collection<String> backends)
            throws ConfigException {
        if (!"*".equals(backend) && !backends.contains(backend)) {
            throw where.error(where.style() == Node.Style.JSON ? "no server named \"" + backend + "\" in mcpServers"
                    : "no backend \"" + backend + "\" in this route (backends: " + String.join(", ", backends) + ")");
        }
        return new AuthorizationConfig.ToolTarget(backend, name);
    }

    /**
     * {@code dpop: {required, algorithms, proofLifetime}} (the same names in both formats); null when
     * absent. An empty object accepts DPoP with the defaults.
     */
    static OAuthConfig.Dpop dpop(Node dpop) throws ConfigException {
        if (!dpop.present()) {
            return null;
        }
        dpop.requireObject();
        dpop.allowOnly("required", "algorithms", "proofLifetime");
        List<String> algs = dpop.field("algorithms").strings();
        for (String alg : algs) {
            if (!OAuthConfig.Dpop.DEFAULT_ALGORITHMS.contains(alg)) {
                throw dpop.field("algorithms").error("\"" + alg + "\" is not accepted for DPoP proofs; use "
                        + String.join(", ", OAuthConfig.Dpop.DEFAULT_ALGORITHMS));
            }
        }
        Duration lifetime = dpop.field("proofLifetime").duration(OAuthConfig.Dpop.DEFAULT_PROOF_LIFETIME,
                Duration.ofSeconds(1), Duration.ofHours(1));
        return new OAuthConfig.Dpop(dpop.field("required").bool(false), algs, lifetime);
    }
}
