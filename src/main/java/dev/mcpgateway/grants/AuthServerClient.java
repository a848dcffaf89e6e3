package dev.mcpgateway.grants;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The calls per-user OAuth makes to a backend's authorization server: its metadata (RFC 8414, then
 * OpenID discovery; kept for a while) and form posts to its token endpoint. Answers on the caller's
 * Vert.x context; the JDK client never blocks an event loop.
 */
final class AuthServerClient {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long METADATA_KEEP_MILLIS = 10 * 60_000;

    /** The authorization server refused a request with an OAuth error (e.g. {@code invalid_grant}). */
    static final class OAuthError extends RuntimeException {
        final String error;

        OAuthError(String error, String message) {
            super(message, null, false, false);
            this.error = error;
        }
    }

    /** Where to send a user and where to exchange codes, for one backend's client. */
    record Endpoints(String authorization, String token, String revocation) {
    }

    private record Cached(Future<JsonNode> value, long at) {
    }

    private final HttpClient http;
    private final Vertx vertx;
    private final Duration timeout;
    private final Map<String, Cached> metadata = new ConcurrentHashMap<>();

    AuthServerClient(Vertx vertx, Duration timeout) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The endpoints of {@code auth}: the configured ones, the rest from the issuer's metadata. */
    Future<Endpoints> endpoints(UpstreamAuth auth) {
        if (auth.issuer() == null) {
            return Future.succeededFuture(new Endpoints(auth.authorizationEndpoint(), auth.tokenEndpoint(), null));
        }
        return metadata(auth.issuer()).compose(m -> {
            String authz = auth.authorizationEndpoint() != null ? auth.authorizationEndpoint()
                    : m.path("authorization_endpoint").asText(null);
            String token = auth.tokenEndpoint() != null ? auth.tokenEndpoint() : m.path("token_endpoint").asText(null);
            if (authz == null || token == null) {
                return Future.failedFuture(new IllegalStateException(
                        "the metadata of " + auth.issuer() + " names no authorization_endpoint or token_endpoint"));
            }
            return Future.succeededFuture(new Endpoints(authz, token, m.path("revocation_endpoint").asText(null)));
        });
    }

    private Future<JsonNode> metadata(String issuer) {
        long now = System.currentTimeMillis();
        Cached c = metadata.get(issuer);
        if (c != null && !c.value().failed() && now - c.at() < METADATA_KEEP_MILLIS) {
            return c.value();
        }
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI u = URI.create(base);
        // RFC 8414 section 3: the well-known part goes between host and path; then OpenID discovery.
        String rfc8414 = u.getScheme() + "://" + u.getRawAuthority() + "/.well-known/oauth-authorization-server"
                + (u.getRawPath() == null ? "" : u.getRawPath());
        Future<JsonNode> f = getJson(rfc8414).recover(t -> getJson(base + "/.well-known/openid-configuration"));
        metadata.put(issuer, new Cached(f, now));
        return f;
    }

    private Future<JsonNode> getJson(String url) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Accept", "application/json").GET()
                .build();
        return send(req, url);
    }

    /**
     * POSTs a form to a token (or revocation) endpoint as {@code auth}'s client: client_secret_basic
     * with a secret, else {@code client_id} in the form (a public client).
     */
    Future<JsonNode> postForm(String url, UpstreamAuth auth, Map<String, String> form) {
        Map<String, String> body = new java.util.LinkedHashMap<>(form);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json");
        if (auth.clientSecret() != null) {
            // RFC 6749 2.3.1: client id and secret are form-encoded before they are joined.
            String basic = enc(auth.clientId()) + ":" + enc(auth.clientSecret());
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        } else {
            body.put("client_id", auth.clientId());
        }
        return send(b.POST(HttpRequest.BodyPublishers.ofString(formBody(body))).build(), url);
    }

    static String formBody(Map<String, String> form) {
        return form.entrySet().stream().filter(e -> e.getValue() != null).map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Future<JsonNode> send(HttpRequest req, String url) {
        Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
        var cf = http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(res -> {
            JsonNode doc;
            try {
                String body = res.body();
                doc = body == null || body.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(body);
            } catch (Exception e) {
                throw new IllegalStateException(url + " answered HTTP " + res.statusCode() + " without JSON");
            }
            if (res.statusCode() / 100 != 2) {
                String error = doc.path("error").asText("");
                // RFC 6749 5.2: 400 with an error code is a refusal, not an outage.
                if (res.statusCode() == 400 || res.statusCode() == 401) {
                    throw new OAuthError(error, url + " refused: " + error + " " + doc.path("error_description").asText(""));
                }
                throw new IllegalStateException(url + " answered HTTP " + res.statusCode() + ": " + error);
            }
            return doc;
        });
        return Future.fromCompletionStage(cf, ctx).recover(t -> Future.failedFuture(
                t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t));
    }

    /** Scopes as the {@code scope} parameter, or null. */
    static String scope(List<String> scopes) {
        return scopes.isEmpty() ? null : String.join(" ", scopes);
    }
}
