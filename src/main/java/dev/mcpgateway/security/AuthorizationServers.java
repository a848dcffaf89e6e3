package dev.mcpgateway.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKeySet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.GatewayConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Talks to authorization servers: their metadata (RFC 8414 / OpenID discovery), their signing keys
 * (JWKS), token introspection (RFC 7662) and token requests. Metadata and keys are cached; all calls
 * are asynchronous and complete on the caller's Vert.x context.
 */
@ApplicationScoped
public class AuthorizationServers {

    private static final Logger LOG = Logger.getLogger(AuthorizationServers.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;
    private final long cacheMillis;
    private final long minRefreshMillis;
    private final Vertx vertx;
    private final Map<String, Cached<JsonNode>> metadata = new ConcurrentHashMap<>();
    private final Map<String, Cached<JsonWebKeySet>> keys = new ConcurrentHashMap<>();

    private record Cached<T>(Future<T> value, long fetchedAt) {
    }

    @Inject
    public AuthorizationServers(GatewayConfig config, Vertx vertx) {
        this(vertx, config.auth().requestTimeout(), config.auth().metadataCacheTime(),
                config.auth().jwksMinRefreshInterval());
    }

    AuthorizationServers(Vertx vertx, Duration timeout, Duration cacheTime, Duration minRefresh) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.cacheMillis = cacheTime.toMillis();
        this.minRefreshMillis = minRefresh.toMillis();
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * The issuer's metadata: OpenID discovery ({@code ISSUER/.well-known/openid-configuration}),
     * else RFC 8414 ({@code /.well-known/oauth-authorization-server} inserted before the issuer's
     * path, then appended to it). Its {@code issuer} must equal the issuer asked for.
     */
    public Future<JsonNode> metadata(String issuer) {
        return cached(metadata, issuer, false, () -> discover(issuer));
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

    /** The issuer's introspection endpoint, from its metadata. */
    public Future<String> introspectionEndpoint(String issuer) {
        return metadata(issuer).compose(m -> endpoint(m, "introspection_endpoint", issuer));
    }

    private static Future<String> endpoint(JsonNode m, String field, String issuer) {
        String url = m.path(field).asText(null);
        return url == null ? Future.failedFuture(new IllegalStateException(issuer + " publishes no " + field))
                : Future.succeededFuture(url);
    }

    /**
     * The key set at {@code jwksUri}. With {@code refresh}, fetches again unless the last fetch is
     * more recent than the minimum refresh interval (a token with an unknown {@code kid} may mean
     * the server rotated its keys; many such tokens must not turn into many fetches).
     */
    public Future<JsonWebKeySet> keys(String jwksUri, boolean refresh) {
        return cached(keys, jwksUri, refresh, () -> getJson(jwksUri).compose(doc -> {
            try {
                return Future.succeededFuture(new JsonWebKeySet(doc.toString()));
            } catch (Exception e) {
                return Future.failedFuture(new IllegalStateException("invalid JWK set at " + jwksUri + ": " + e.getMessage()));
            }
        }));
    }

    /** The key set of an issuer: its metadata's {@code jwks_uri}. */
    public Future<String> jwksUri(String issuer) {
        return metadata(issuer).compose(m -> endpoint(m, "jwks_uri", issuer));
    }

    private <T> Future<T> cached(Map<String, Cached<T>> cache, String key, boolean refresh,
            java.util.function.Supplier<Future<T>> fetch) {
        long now = System.currentTimeMillis();
        Cached<T> c = cache.get(key);
        boolean stale = c == null || now - c.fetchedAt() > cacheMillis
                || (c.value().failed() && now - c.fetchedAt() > Math.min(minRefreshMillis, 1000))
                || (refresh && now - c.fetchedAt() > minRefreshMillis);
        if (!stale) {
            return c.value();
        }
        Future<T> f = fetch.get();
        cache.put(key, new Cached<>(f, now));
        f.onFailure(t -> LOG.warnf("Authorization server request %s failed: %s", key, t.getMessage()));
        return f;
    }

    /** GET a JSON document. */
    public Future<JsonNode> getJson(String url) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        return send(req, url);
    }

    /**
     * POST a form (application/x-www-form-urlencoded) with client_secret_basic authentication and
     * read the JSON answer. A non-2xx answer fails with its OAuth {@code error} and description.
     */
    public Future<JsonNode> postForm(String url, String clientId, String clientSecret, Map<String, String> form) {
        String body = form.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (clientId != null) {
            // RFC 6749 2.3.1: client id and secret are form-encoded before they are joined.
            String basic = enc(clientId) + ":" + enc(clientSecret == null ? "" : clientSecret);
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        return send(b.build(), url);
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
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
