package dev.mcpgateway.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.GatewayConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Finds authorization servers' metadata: OpenID discovery, else RFC 8414 (Quarkus OIDC and OIDC
 * Client discover the former only). The protected resource metadata serves it to older clients, and
 * the OIDC tenants and clients take their key set, introspection and token endpoints from it.
 * Cached; calls are asynchronous and complete on the caller's Vert.x context.
 */
@ApplicationScoped
public class AuthorizationServers {

    private static final Logger LOG = Logger.getLogger(AuthorizationServers.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;
    private final long cacheMillis;
    private final Vertx vertx;
    private final Map<String, Cached> metadata = new ConcurrentHashMap<>();

    private record Cached(Future<JsonNode> value, long fetchedAt) {
    }

    @Inject
    public AuthorizationServers(GatewayConfig config, Vertx vertx) {
        this(vertx, config.auth().requestTimeout(), config.auth().metadataCacheTime());
    }

    AuthorizationServers(Vertx vertx, Duration timeout, Duration cacheTime) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.cacheMillis = cacheTime.toMillis();
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * The issuer's metadata: OpenID discovery ({@code ISSUER/.well-known/openid-configuration}),
     * else RFC 8414 ({@code /.well-known/oauth-authorization-server} inserted before the issuer's
     * path, then appended to it). Its {@code issuer} must equal the issuer asked for.
     */
    public Future<JsonNode> metadata(String issuer) {
        return cached(issuer, () -> discover(issuer));
    }

    private Future<JsonNode> discover(String issuer) {
        String trimmed = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI u = URI.create(trimmed);
        String origin = u.getScheme() + "://" + u.getRawAuthority();
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        List<String> candidates = List.of(trimmed + "/.well-known/openid-configuration",
                origin + "/.well-known/oauth-authorization-server" + path,
                trimmed + "/.well-known/oauth-authorization-server");
        return tryDiscover(issuer, candidates, 0, null);
    }

    private Future<JsonNode> tryDiscover(String issuer, List<String> candidates, int i, Throwable last) {
        if (i == candidates.size()) {
            return Future.failedFuture(new IllegalStateException(
                    "no authorization server metadata for issuer " + issuer + (last == null ? "" : ": " + last.getMessage())));
        }
        return getJson(candidates.get(i)).compose(doc -> {
            String declared = doc.path("issuer").asText("");
            if (!stripSlash(declared).equals(stripSlash(issuer))) {
                return Future.failedFuture(new IllegalStateException(
                        "metadata at " + candidates.get(i) + " names issuer " + declared + ", not " + issuer));
            }
            return Future.succeededFuture(doc);
        }).recover(t -> tryDiscover(issuer, candidates, i + 1, t));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** The issuer's token endpoint, from its metadata. */
    public Future<String> tokenEndpoint(String issuer) {
        return metadata(issuer).compose(m -> endpoint(m, "token_endpoint", issuer));
    }

    private static Future<String> endpoint(JsonNode m, String field, String issuer) {
        String url = m.path(field).asText(null);
        return url == null ? Future.failedFuture(new IllegalStateException(issuer + " publishes no " + field))
                : Future.succeededFuture(url);
    }

    private Future<JsonNode> cached(String issuer, java.util.function.Supplier<Future<JsonNode>> fetch) {
        long now = System.currentTimeMillis();
        Cached c = metadata.get(issuer);
        // A failed fetch is retried after a second, not on every request.
        boolean stale = c == null || now - c.fetchedAt() > cacheMillis || (c.value().failed() && now - c.fetchedAt() > 1000);
        if (!stale) {
            return c.value();
        }
        Future<JsonNode> f = fetch.get();
        metadata.put(issuer, new Cached(f, now));
        f.onFailure(t -> LOG.warnf("Authorization server metadata of %s: %s", issuer, t.getMessage()));
        return f;
    }

    private Future<JsonNode> getJson(String url) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        return send(req, url);
    }

    private Future<JsonNode> send(HttpRequest req, String url) {
        Context ctx = vertx.getOrCreateContext();
        CompletableFuture<JsonNode> cf = http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(res -> {
            JsonNode doc;
            try {
                doc = MAPPER.readTree(res.body());
            } catch (Exception e) {
                throw new IllegalStateException(url + " answered HTTP " + res.statusCode() + " without JSON");
            }
            if (res.statusCode() / 100 != 2) {
                throw new IllegalStateException(url + " answered HTTP " + res.statusCode() + ": "
                        + doc.path("error").asText("") + " " + doc.path("error_description").asText(""));
            }
            return doc;
        });
        return Future.fromCompletionStage(cf, ctx);
    }
}
