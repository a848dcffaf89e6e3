package dev.mcpgateway.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.mcpgateway.config.RouteDocuments.Doc;

/**
 * An MCPRoute's {@code spec.securityPolicy}: OAuth ({@code oauth}), client API keys
 * ({@code apiKeyAuth}) and authorization rules ({@code authorization}).
 */
final class RouteSecurityPolicy {

    /** The ConfigMap key a localJWKS valueRef is read from, as in Envoy Gateway. */
    static final String JWKS_KEY = "jwks";
    private static final Map<String, AuthorizationConfig.ClaimType> CLAIM_TYPES = BackendRules.ordered(
            Map.entry("String", AuthorizationConfig.ClaimType.STRING),
            Map.entry("StringArray", AuthorizationConfig.ClaimType.STRING_ARRAY));

    private final RouteDocuments docs;

    RouteSecurityPolicy(RouteDocuments docs) {
        this.docs = docs;
    }

    RouteSecurity read(Node policy, Set<String> backends, Doc route) throws ConfigException {
        if (!policy.present()) {
            return RouteSecurity.NONE;
        }
        policy.requireObject();
        policy.allowOnly("oauth", "apiKeyAuth", "extAuth", "authorization");
        if (policy.field("extAuth").present()) {
            throw policy.field("extAuth").error("external authorization is not supported by this gateway; remove it");
        }
        OAuthConfig oauth = policy.field("oauth").present() ? oauth(policy.field("oauth"), route) : null;
        ApiKeyAuthConfig apiKeys = policy.field("apiKeyAuth").present()
                ? apiKeyAuth(policy.field("apiKeyAuth"), route.namespaceOrDefault())
                : null;
        AuthorizationConfig authorization = policy.field("authorization").present()
                ? SecurityParts.authorization(policy.field("authorization"), r -> rule(r, backends, oauth != null))
                : null;
        return new RouteSecurity(oauth, apiKeys, authorization);
    }

    private OAuthConfig oauth(Node oauth, Doc route) throws ConfigException {
        oauth.requireObject();
        oauth.allowOnly("issuer", "audiences", "jwks", "protectedResourceMetadata", "claimToHeaders", "dpop");
        String issuer = SecurityParts.httpUrl(oauth.field("issuer"));
        List<String> audiences = oauth.field("audiences").strings();
        OAuthConfig.Jwks jwks = jwks(oauth.field("jwks"), route);
        Node prm = oauth.field("protectedResourceMetadata");
        prm.requireObject();
        prm.allowOnly("resource", "resourceName", "scopesSupported", "resourceSigningAlgValuesSupported",
                "resourceDocumentation", "resourcePolicyUri");
        var metadata = new OAuthConfig.ProtectedResourceMetadata(
                SecurityParts.httpUrl(prm.field("resource")),
                prm.field("resourceName").optString(null),
                prm.field("scopesSupported").strings(),
                prm.field("resourceSigningAlgValuesSupported").strings(),
                SecurityParts.optHttpUrl(prm.field("resourceDocumentation")),
                SecurityParts.optHttpUrl(prm.field("resourcePolicyUri")));
        return new OAuthConfig(issuer, audiences, jwks, metadata, SecurityParts.claimToHeaders(oauth.field("claimToHeaders")),
                List.of(), null, SecurityParts.dpop(oauth.field("dpop")));
    }

    /** {@code remoteJWKS: {uri}} or {@code localJWKS} (inline, or a ConfigMap); null to discover them. */
    private OAuthConfig.Jwks jwks(Node jwks, Doc route) throws ConfigException {
        if (!jwks.present()) {
            return null;
        }
        jwks.requireObject();
        jwks.allowOnly("remoteJWKS", "localJWKS");
        Node remote = jwks.field("remoteJWKS");
        Node local = jwks.field("localJWKS");
        if (remote.present() == local.present()) {
            throw jwks.error("expected exactly one of remoteJWKS and localJWKS");
        }
        if (remote.present()) {
            remote.requireObject();
            return new OAuthConfig.Jwks(SecurityParts.httpUrl(remote.field("uri")), null);
        }
        local.requireObject();
        local.allowOnly("type", "inline", "valueRef");
        String type = local.field("type").optString(local.field("inline").present() ? "Inline" : "ValueRef");
        String json = switch (type) {
            case "Inline" -> local.field("inline").string();
            case "ValueRef" -> {
                Node ref = local.field("valueRef");
                ref.requireObject();
                String kind = ref.field("kind").optString("ConfigMap");
                if (!kind.equals("ConfigMap")) {
                    throw ref.field("kind").error("expected ConfigMap, got \"" + kind + "\"");
                }
                yield docs.configMapValue(ref, ref.field("name").string(), route.namespace(), JWKS_KEY);
            }
            default -> throw local.field("type").error("expected Inline or ValueRef, got \"" + type + "\"");
        };
        return new OAuthConfig.Jwks(null, SecurityParts.jwkSet(local, json));
    }

    private ApiKeyAuthConfig apiKeyAuth(Node auth, String namespace) throws ConfigException {
        auth.requireObject();
        auth.allowOnly("credentialRefs", "extractFrom", "forwardClientIDHeader", "sanitize");
        Node refs = auth.field("credentialRefs");
        if (!refs.present() || refs.list().isEmpty()) {
            throw refs.error("expected a non-empty list of Secrets (client id -> API key)");
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (Node ref : refs.list()) {
            ref.requireObject();
            ref.allowOnly("name", "namespace", "kind", "group");
            keys.putAll(docs.wholeSecret(ref, ref.field("name").string(), ref.field("namespace").optString(namespace)));
        }
        if (keys.isEmpty()) {
            throw refs.error("the referenced Secrets hold no keys");
        }
        List<String> headers = new ArrayList<>();
        List<String> params = new ArrayList<>();
        Node extract = auth.field("extractFrom");
        if (!extract.present() || extract.list().isEmpty()) {
            throw extract.error("expected a list of {headers: [...]} or {params: [...]}");
        }
        for (Node e : extract.list()) {
            e.requireObject();
            e.allowOnly("headers", "params", "cookies");
            if (e.field("cookies").present()) {
                throw e.field("cookies").error("API keys in cookies are not supported; use headers or params");
            }
            headers.addAll(e.field("headers").strings());
            params.addAll(e.field("params").strings());
        }
        return new ApiKeyAuthConfig(Map.copyOf(keys), List.copyOf(headers), List.copyOf(params),
                auth.field("forwardClientIDHeader").optString(null), auth.field("sanitize").bool(false));
    }

    private static AuthorizationConfig.Rule rule(Node r, Set<String> backends, boolean hasOAuth) throws ConfigException {
        r.allowOnly("source", "target", "cel", "action");
        if (r.field("cel").present()) {
            throw r.field("cel").error("CEL expressions are not supported by this gateway; use source and target");
        }
        AuthorizationConfig.JwtSource source = null;
        Node s = r.field("source");
        if (s.present()) {
            s.requireObject();
            s.allowOnly("jwt");
            source = jwt(s.field("jwt"), hasOAuth);
        }
        List<AuthorizationConfig.ToolTarget> tools = new ArrayList<>();
        Node target = r.field("target");
        if (target.present()) {
            target.requireObject();
            target.allowOnly("tools");
            Node list = target.field("tools");
            if (list.list().isEmpty()) {
                throw list.error("expected a non-empty list of {backend, tool}");
            }
            for (Node t : list.list()) {
                t.requireObject();
                t.allowOnly("backend", "tool");
                tools.add(SecurityParts.target(t.field("backend"), t.field("backend").string(), t.field("tool").string(),
                        backends));
            }
        }
        return new AuthorizationConfig.Rule(source, List.copyOf(tools),
                SecurityParts.action(r.field("action"), AuthorizationConfig.Action.ALLOW));
    }

    private static AuthorizationConfig.JwtSource jwt(Node jwt, boolean hasOAuth) throws ConfigException {
        jwt.requireObject();
        jwt.allowOnly("scopes", "claims");
        if (!hasOAuth) {
            throw jwt.error("needs securityPolicy.oauth (tokens are only checked on an OAuth route)");
        }
        List<AuthorizationConfig.JwtClaim> claims = new ArrayList<>();
        for (Node c : jwt.field("claims").list()) {
            c.requireObject();
            c.allowOnly("name", "valueType", "values");
            String name = c.field("name").string();
            if (name.equals("scope")) {
                throw c.field("name").error("\"scope\" is reserved; use jwt.scopes");
            }
            AuthorizationConfig.ClaimType valueType = c.field("valueType").oneOf(CLAIM_TYPES,
                    AuthorizationConfig.ClaimType.STRING);
            List<String> values = c.field("values").strings();
            if (values.isEmpty()) {
                throw c.field("values").error("expected at least one value");
            }
            claims.add(new AuthorizationConfig.JwtClaim(name, valueType, values));
        }
        AuthorizationConfig.JwtSource source = SecurityParts.jwtSource(jwt.field("scopes").strings(), claims);
        if (source == null) {
            throw jwt.error("expected scopes or claims");
        }
        return source;
    }
}
