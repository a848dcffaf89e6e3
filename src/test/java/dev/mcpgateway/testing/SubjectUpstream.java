package dev.mcpgateway.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An MCP server that accepts only access tokens of one authorization server (signature by its JWKS,
 * issuer, expiry with no leeway) and reports who called: tool {@code whoami} answers
 * {@code user=<preferred_username> sub=<sub>}. Like a careful server, it binds its sessions to the
 * subject that opened them: another subject using one gets 404. Every token it accepted is recorded
 * (as {@code username jti}).
 */
public final class SubjectUpstream implements AutoCloseable {

    public final List<String> accepted = new CopyOnWriteArrayList<>();
    public final List<String> refused = new CopyOnWriteArrayList<>();
    private final Map<String, String> sessions = new ConcurrentHashMap<>();
    private final Vertx vertx = Vertx.vertx();
    private final JwtConsumer consumer;
    private final int port;

    public SubjectUpstream(String issuer) {
        try {
            HttpResponse<String> jwks = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(issuer + "/protocol/openid-connect/certs")).build(), HttpResponse.BodyHandlers.ofString());
            consumer = new JwtConsumerBuilder().setExpectedIssuer(issuer).setRequireExpirationTime().setRequireSubject()
                    .setAllowedClockSkewInSeconds(0).setSkipDefaultAudienceValidation()
                    .setVerificationKeyResolver(
                            new JwksVerificationKeyResolver(new JsonWebKeySet(jwks.body()).getJsonWebKeys()))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the keys of " + issuer, e);
        }
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            JwtClaims claims = verify(req);
            if (claims == null) {
                req.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer").end();
                return;
            }
            String subject = claims.getClaimValueAsString("sub");
            String user = claims.getClaimValueAsString("preferred_username");
            accepted.add(user + " " + claims.getClaimValueAsString("jti"));
            if (!"POST".equals(req.method().name())) {
                req.response().setStatusCode(405).end();
                return;
            }
            JsonObject msg = body.toJsonObject();
            String session = req.getHeader("Mcp-Session-Id");
            boolean init = "initialize".equals(msg.getString("method"));
            if (!init && (session == null || !subject.equals(sessions.get(session)))) {
                req.response().setStatusCode(404).end();
                return;
            }
            if (init) {
                session = UUID.randomUUID().toString();
                sessions.put(session, subject);
            }
            Object id = msg.getValue("id");
            if (id == null) {
                req.response().setStatusCode(202).end();
                return;
            }
            JsonObject result = switch (msg.getString("method")) {
                case "initialize" -> new JsonObject().put("protocolVersion", "2025-06-18")
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", "subject").put("version", "1"));
                case "tools/list" -> new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "whoami")
                        .put("description", "Who the upstream thinks is calling").put("inputSchema",
                                new JsonObject().put("type", "object"))));
                case "tools/call" -> new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text")
                        .put("text", "user=" + user + " sub=" + subject)));
                case "ping" -> new JsonObject();
                default -> null;
            };
            JsonObject reply = new JsonObject().put("jsonrpc", "2.0").put("id", id);
            if (result == null) {
                reply.put("error", new JsonObject().put("code", -32601).put("message", "Method not found"));
            } else {
                reply.put("result", result);
            }
            req.response().putHeader("Content-Type", "application/json").putHeader("Mcp-Session-Id", session)
                    .end(reply.encode());
        }));
        try {
            port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JwtClaims verify(HttpServerRequest req) {
        String auth = req.getHeader("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            refused.add("no token");
            return null;
        }
        try {
            return consumer.processToClaims(auth.substring(7).trim());
        } catch (Exception e) {
            refused.add(e.getMessage());
            return null;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    @Override
    public void close() {
        vertx.close();
    }
}
