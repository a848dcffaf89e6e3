package dev.mcpgateway.security;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import io.quarkus.oidc.OIDCException;
import io.quarkus.oidc.OidcRequestContext;
import io.quarkus.oidc.OidcTenantConfig;
import io.quarkus.oidc.OidcTenantConfigBuilder;
import io.quarkus.oidc.TenantConfigResolver;
import io.quarkus.oidc.runtime.OidcTenantConfig.ApplicationType;
import io.quarkus.oidc.runtime.OidcTenantConfig.SignatureAlgorithm;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * One Quarkus OIDC tenant per route {@code oauth} configuration, resolved at run time: the tenant
 * id is derived from the configuration, so a reloaded route gets a new tenant and an unchanged one
 * keeps its keys. The key set and introspection URLs come from the settings or from the issuer's
 * metadata as {@link AuthorizationServers} discovers it (OpenID discovery, else RFC 8414). Quarkus OIDC only sees a tenant when the gateway asks it
 * to verify a token ({@link TokenValidator}); every other request resolves to the default tenant,
 * which is disabled.
 */
@ApplicationScoped
public class OidcTenants implements TenantConfigResolver {

    /** The routing-context key under which {@link TokenValidator} passes the route's settings. */
    static final String OAUTH = OidcTenants.class.getName() + ".oauth";

    private final AuthorizationServers servers;
    private final GatewayConfig.Auth settings;
    private final Map<OAuthConfig, OidcTenantConfig> tenants = new ConcurrentHashMap<>();

    @Inject
    public OidcTenants(AuthorizationServers servers, GatewayConfig config) {
        this.servers = servers;
        this.settings = config.auth();
    }

    @Override
    public Uni<OidcTenantConfig> resolve(RoutingContext context, OidcRequestContext<OidcTenantConfig> request) {
        OAuthConfig oauth = context.get(OAUTH);
        if (oauth == null) {
            return Uni.createFrom().nullItem();
        }
        OidcTenantConfig tenant = tenants.get(oauth);
        if (tenant != null) {
            return Uni.createFrom().item(tenant);
        }
        return Uni.createFrom().completionStage(() -> endpoints(oauth).toCompletionStage()).map(endpoints -> {
            if (tenants.size() > 1000) {
                tenants.clear();
            }
            return tenants.computeIfAbsent(oauth, o -> tenant(o, endpoints));
        });
    }

    /** The key set and introspection URLs, from the settings or else the issuer's metadata. */
    private record Endpoints(String jwks, String introspection) {
    }

    private Future<Endpoints> endpoints(OAuthConfig oauth) {
        String jwks = oauth.jwks() != null ? oauth.jwks().remoteUri() : null;
        String introspection = oauth.introspection() != null ? oauth.introspection().endpoint() : null;
        if (jwks != null && (oauth.introspection() == null || introspection != null)) {
            return Future.succeededFuture(new Endpoints(jwks, introspection));
        }
        // Quarkus OIDC discovers OpenID metadata only; the gateway also reads RFC 8414 metadata.
        return servers.metadata(oauth.issuer()).transform(ar -> {
            if (ar.failed()) {
                return Future.failedFuture(new OIDCException(ar.cause().getMessage()));
            }
            JsonNode m = ar.result();
            String keys = jwks != null ? jwks : m.path("jwks_uri").asText(null);
            if (keys == null) {
                return Future.failedFuture(new OIDCException(oauth.issuer() + " publishes no jwks_uri"));
            }
            return Future.succeededFuture(new Endpoints(keys, introspection != null ? introspection
                    : m.path("introspection_endpoint").asText(null)));
        });
    }

    private OidcTenantConfig tenant(OAuthConfig oauth, Endpoints endpoints) {
        OAuthConfig.Introspection in = oauth.introspection();
        OidcTenantConfigBuilder b = OidcTenantConfig.builder()
                // Two settings never share a tenant: the id is a digest of all of them.
                .tenantId("mcp-gateway-" + TokenValidator.sha256(oauth.toString()).substring(0, 24))
                .applicationType(ApplicationType.SERVICE)
                .authServerUrl(oauth.issuer())
                .connectionTimeout(settings.requestTimeout())
                .discoveryEnabled(false)
                .jwksPath(endpoints.jwks());
        if (in != null) {
            if (endpoints.introspection() != null) {
                b.introspectionPath(endpoints.introspection());
            }
            b.clientId(in.clientId());
            if (in.clientSecret() != null) {
                b.credentials(in.clientSecret());
            }
        }
        var token = b.token()
                .issuer(oauth.issuer())
                .lifespanGrace((int) settings.clockSkew().toSeconds())
                .forcedJwkRefreshInterval(settings.jwksMinRefreshInterval())
                // A JWT is checked by its signature only; opaque tokens by introspection when configured.
                .allowJwtIntrospection(false)
                .allowOpaqueTokenIntrospection(in != null);
        List<String> audiences = oauth.effectiveAudiences();
        if (!audiences.isEmpty()) {
            token.audience(audiences);
        }
        SignatureAlgorithm only = onlyAlgorithm(oauth);
        if (only != null) {
            token.signatureAlgorithm(only);
        }
        return token.end().build();
    }

    /** Quarkus OIDC takes one algorithm or all asymmetric ones; a list of several keeps the latter. */
    private static SignatureAlgorithm onlyAlgorithm(OAuthConfig oauth) {
        List<String> wanted = oauth.resourceMetadata() == null ? List.of()
                : oauth.resourceMetadata().resourceSigningAlgValuesSupported();
        if (wanted == null || wanted.size() != 1 || !TokenValidator.ASYMMETRIC.contains(wanted.get(0))) {
            return null;
        }
        for (SignatureAlgorithm a : SignatureAlgorithm.values()) {
            if (a.getAlgorithm().equals(wanted.get(0))) {
                return a;
            }
        }
        return null;
    }

    /**
     * A routing context that carries only data: tokens are verified for a route, the console or a
     * test, not always inside an HTTP request of the router Quarkus OIDC knows. Quarkus OIDC reads
     * and writes request data through it; any other use fails loudly.
     */
    static RoutingContext detachedContext(OAuthConfig oauth) {
        Map<String, Object> data = new HashMap<>();
        data.put(OAUTH, oauth);
        return (RoutingContext) Proxy.newProxyInstance(RoutingContext.class.getClassLoader(),
                new Class<?>[]{RoutingContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "get" -> args.length == 1 ? data.get((String) args[0])
                            : data.getOrDefault((String) args[0], args[1]);
                    case "put" -> {
                        data.put((String) args[0], args[1]);
                        yield proxy;
                    }
                    case "remove" -> data.remove((String) args[0]);
                    case "data" -> data;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "token verification context";
                    default -> throw new UnsupportedOperationException("RoutingContext." + method.getName());
                });
    }
}
