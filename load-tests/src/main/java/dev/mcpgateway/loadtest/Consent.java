package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Consent as a browser gives it, for the generator's {@code --consent}: the URL of a URL-mode elicitation
 * (MCP 2025-11-25 {@code URLElicitationRequiredError}, code -32042, or another code with the same {@code data})
 * is fetched with {@code GET}, following every redirect (gateway, authorization server, gateway callback) with a
 * cookie jar of its own, until a page answers 200.
 */
final class Consent {

    private Consent() {}

    /** {@code error.data.elicitations[0].url} of a JSON-RPC error answer (JSON or SSE), or null. */
    static String elicitationUrl(String contentType, Buffer body) {
        try {
            JsonNode msg = LoadGenerator.firstResponse(contentType, body);
            if (msg == null) return null;
            JsonNode url = msg.path("error").path("data").path("elicitations").path(0).path("url");
            return url.isTextual() && !url.asText().isEmpty() ? url.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Follows the URL; completes when the last page answers 200, fails otherwise. */
    static CompletionStage<Void> follow(String url, long timeoutMs) {
        HttpClient http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.ALWAYS)
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofMillis(timeoutMs))
                    .header("Accept", "text/html,application/json;q=0.9,*/*;q=0.8").build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("consent URL unusable: " + url, e));
        }
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenCompose(resp -> {
            http.close();
            if (resp.statusCode() == 200) return CompletableFuture.completedFuture(null);
            return CompletableFuture.failedFuture(new IllegalStateException("consent via " + url + " ended at "
                    + resp.uri() + " with HTTP " + resp.statusCode() + ": "
                    + LoadGenerator.abbreviate(resp.body())));
        });
    }
}
