package dev.mcpgateway.security;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClientConfigBuilder;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.Tokens;
import io.quarkus.oidc.client.runtime.OidcClientConfig.Grant;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The Quarkus OIDC clients that obtain upstream tokens: one per route, backend and
 * {@link UpstreamAuth}, created at run time on first use ({@link OidcClients#newClient}), so a
 * reloaded configuration gets new clients and the ones it replaced are closed. The token endpoint
 * comes from the configuration or from the issuer's metadata ({@link AuthorizationServers}).
 */
@ApplicationScoped
public class OidcUpstreamClients {

    private static final Logger LOG = Logger.getLogger(OidcUpstreamClients.class);
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    private final OidcClients clients;
    private final AuthorizationServers servers;
    private final Vertx vertx;
    private final GatewayConfig.Auth settings;
    private final Map<String, Client> byBackend = new ConcurrentHashMap<>();

    /** The client of one route and backend, for the settings it was made from. */
    private record Client(UpstreamAuth auth, Future<OidcClient> client) {
    }

    @Inject
    public OidcUpstreamClients(OidcClients clients, AuthorizationServers servers, Vertx vertx, GatewayConfig config) {
        this.clients = clients;
        this.servers = servers;
        this.vertx = vertx;
        this.settings = config.auth();
    }

    /** The client for {@code backend} of {@code route}, made (or remade after a change) on demand. */
    public Future<OidcClient> client(RouteConfig route, BackendConfig backend, UpstreamAuth auth) {
        String key = route.name() + "|" + backend.name();
        Client c = byBackend.get(key);
        if (c != null && c.auth().equals(auth) && !c.client().failed()) {
            return c.client();
        }
        Future<String> endpoint = auth.tokenEndpoint() != null ? Future.succeededFuture(auth.tokenEndpoint())
                : servers.tokenEndpoint(auth.issuer());
        Client made = new Client(auth, endpoint.compose(url -> future(clients.newClient(config(key, auth, url)))));
        Client old = byBackend.put(key, made);
        if (old != null && old.client().succeeded()) {
            close(old.client().result());
        }
        return made.client();
    }

    /** Asks the client for a token; {@code params} are added to the grant request. */
    public Future<Tokens> tokens(OidcClient client, Map<String, String> params) {
        return future(client.getTokens(params));
    }

    private io.quarkus.oidc.client.runtime.OidcClientConfig config(String key, UpstreamAuth auth, String tokenEndpoint) {
        boolean exchange = auth.kind() == UpstreamAuth.Kind.TOKEN_EXCHANGE;
        OidcClientConfigBuilder b = new OidcClientConfigBuilder().id("mcp-gateway:" + key)
                .clientId(auth.clientId())
                .connectionTimeout(settings.requestTimeout())
                .grant(exchange ? Grant.Type.EXCHANGE : Grant.Type.CLIENT);
        if (auth.clientSecret() != null) {
            b.credentials(auth.clientSecret());
        }
        // Quarkus OIDC Client discovers OpenID metadata only; the gateway also reads RFC 8414 metadata.
        b.discoveryEnabled(false).tokenPath(tokenEndpoint);
        if (!auth.scopes().isEmpty()) {
            b.scopes(auth.scopes());
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (exchange) {
            options.put("subject_token_type", ACCESS_TOKEN_TYPE);
            options.put("requested_token_type", ACCESS_TOKEN_TYPE);
        }
        if (auth.audience() != null) {
            options.put("audience", auth.audience());
        }
        if (!options.isEmpty()) {
            b.grantOptions(exchange ? "exchange" : "client", options);
        }
        return b.build();
    }

    private <T> Future<T> future(Uni<T> uni) {
        return future(uni, vertx.getOrCreateContext());
    }

    /**
     * The outcome of {@code uni} on {@code context}: directly when it completes there (a token
     * checked with cached keys), else handed over (an answer from the authorization server).
     */
    static <T> Future<T> future(Uni<T> uni, Context context) {
        Promise<T> promise = Promise.promise();
        uni.subscribe().with(v -> on(context, () -> promise.complete(v)), e -> on(context, () -> promise.fail(e)));
        return promise.future();
    }

    private static void on(Context context, Runnable r) {
        if (Vertx.currentContext() == context) {
            r.run();
        } else {
            context.runOnContext(x -> r.run());
        }
    }

    private static void close(OidcClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Closing a replaced OIDC client: %s", e.getMessage());
        }
    }
}
