package dev.mcpgateway.testing;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A small in-memory REST server implementing the 19 operations of the Swagger Petstore OpenAPI 3
 * document (src/test/resources/openapi/petstore.yaml) under {@code /api/v3}, on 127.0.0.1 and a
 * port of its own. It records the method, path, query and headers of every request, so a test can
 * tell what the gateway sent, and serves {@code POST /oauth/token} (client credentials) so a
 * credential the gateway obtains can be followed to it.
 */
public final class PetstoreServer implements AutoCloseable {

    /** One request as received. */
    public record Seen(String method, String path, String query, Map<String, String> headers) {
    }

    public static final String TOKEN = "petstore-token-1";
    /** The Petstore document (see src/test/resources/openapi/README.md), also served at {@code /openapi.yaml}. */
    public static final java.nio.file.Path DOCUMENT = java.nio.file.Path.of("src/test/resources/openapi/petstore.yaml");

    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Vertx vertx = Vertx.vertx();
    private final Map<Long, JsonObject> pets = new ConcurrentHashMap<>();
    private final Map<Long, JsonObject> orders = new ConcurrentHashMap<>();
    private final Map<String, JsonObject> users = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(1000);
    private final int port;

    public PetstoreServer() {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create().setBodyLimit(1 << 20));
        router.route().handler(ctx -> {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            ctx.request().headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
            seen.add(new Seen(ctx.request().method().name(), ctx.request().path(), ctx.request().query(), headers));
            ctx.next();
        });
        router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
                .sendFile(DOCUMENT.toAbsolutePath().toString()));
        router.post("/oauth/token").handler(ctx -> json(ctx, 200,
                new JsonObject().put("access_token", TOKEN).put("token_type", "Bearer").put("expires_in", 3600)));
        String base = "/api/v3";
        router.post(base + "/pet").handler(ctx -> {
            JsonObject pet = body(ctx);
            if (pet == null || pet.getString("name") == null) {
                json(ctx, 400, error(400, "Invalid input"));
                return;
            }
            long id = pet.getLong("id") != null ? pet.getLong("id") : ids.incrementAndGet();
            pets.put(id, pet.put("id", id));
            json(ctx, 200, pet);
        });
        router.put(base + "/pet").handler(ctx -> {
            JsonObject pet = body(ctx);
            if (pet == null || pet.getLong("id") == null) {
                json(ctx, 400, error(400, "Invalid ID supplied"));
            } else if (pets.replace(pet.getLong("id"), pet) == null) {
                json(ctx, 404, error(404, "Pet not found"));
            } else {
                json(ctx, 200, pet);
            }
        });
        router.get(base + "/pet/findByStatus").handler(ctx -> {
            List<String> wanted = ctx.queryParam("status").stream().flatMap(s -> List.of(s.split(",")).stream()).toList();
            json(ctx, 200, new JsonArray(pets.values().stream().filter(p -> wanted.contains(p.getString("status")))
                    .sorted((a, b) -> Long.compare(a.getLong("id"), b.getLong("id"))).toList()));
        });
        router.get(base + "/pet/findByTags").handler(ctx -> {
            List<String> wanted = ctx.queryParam("tags");
            json(ctx, 200, new JsonArray(pets.values().stream().filter(p -> p.getJsonArray("tags", new JsonArray()).stream()
                    .anyMatch(t -> t instanceof JsonObject o && wanted.contains(o.getString("name")))).toList()));
        });
        router.get(base + "/pet/:petId").handler(ctx -> withPet(ctx, pet -> json(ctx, 200, pet)));
        router.post(base + "/pet/:petId").handler(ctx -> withPet(ctx, pet -> {
            if (ctx.queryParams().contains("name")) {
                pet.put("name", ctx.queryParams().get("name"));
            }
            if (ctx.queryParams().contains("status")) {
                pet.put("status", ctx.queryParams().get("status"));
            }
            json(ctx, 200, pet);
        }));
        router.delete(base + "/pet/:petId").handler(ctx -> withPet(ctx, pet -> {
            pets.remove(pet.getLong("id"));
            json(ctx, 200, "Pet deleted");
        }));
        router.post(base + "/pet/:petId/uploadImage").handler(ctx -> withPet(ctx, pet -> json(ctx, 200,
                new JsonObject().put("code", 200).put("type", ctx.request().getHeader("Content-Type"))
                        .put("message", "additionalMetadata: " + ctx.queryParams().get("additionalMetadata")
                                + "; " + ctx.body().length() + " bytes"))));
        router.get(base + "/store/inventory").handler(ctx -> {
            JsonObject counts = new JsonObject();
            pets.values().forEach(p -> counts.put(p.getString("status", "unknown"),
                    counts.getInteger(p.getString("status", "unknown"), 0) + 1));
            json(ctx, 200, counts);
        });
        router.post(base + "/store/order").handler(ctx -> {
            JsonObject order = body(ctx);
            if (order == null) {
                json(ctx, 400, error(400, "Invalid input"));
                return;
            }
            long id = order.getLong("id") != null ? order.getLong("id") : ids.incrementAndGet();
            orders.put(id, order.put("id", id));
            json(ctx, 200, order);
        });
        router.get(base + "/store/order/:orderId").handler(ctx -> withOrder(ctx, o -> json(ctx, 200, o)));
        router.delete(base + "/store/order/:orderId").handler(ctx -> withOrder(ctx, o -> {
            orders.remove(o.getLong("id"));
            json(ctx, 200, "Order deleted");
        }));
        router.post(base + "/user").handler(ctx -> {
            JsonObject user = body(ctx);
            if (user == null || user.getString("username") == null) {
                json(ctx, 400, error(400, "Invalid input"));
                return;
            }
            users.put(user.getString("username"), user);
            json(ctx, 200, user);
        });
        router.post(base + "/user/createWithList").handler(ctx -> {
            JsonArray list = ctx.body().asJsonArray();
            list.forEach(u -> users.put(((JsonObject) u).getString("username"), (JsonObject) u));
            json(ctx, 200, list.isEmpty() ? new JsonObject() : list.getJsonObject(list.size() - 1));
        });
        router.get(base + "/user/login").handler(ctx -> {
            JsonObject user = users.get(String.valueOf(ctx.queryParams().get("username")));
            if (user == null || !user.getString("password", "").equals(ctx.queryParams().get("password"))) {
                json(ctx, 400, error(400, "Invalid username/password supplied"));
                return;
            }
            ctx.response().putHeader("X-Rate-Limit", "5000");
            json(ctx, 200, "logged in user session: " + user.getString("username"));
        });
        router.get(base + "/user/logout").handler(ctx -> ctx.response().setStatusCode(200).end());
        router.get(base + "/user/:username").handler(ctx -> withUser(ctx, u -> json(ctx, 200, u)));
        router.put(base + "/user/:username").handler(ctx -> withUser(ctx, u -> {
            JsonObject user = body(ctx);
            users.put(ctx.pathParam("username"), user);
            json(ctx, 200, user);
        }));
        router.delete(base + "/user/:username").handler(ctx -> withUser(ctx, u -> {
            users.remove(ctx.pathParam("username"));
            json(ctx, 200, "User deleted");
        }));
        HttpServer server = vertx.createHttpServer().requestHandler(router);
        try {
            port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .actualPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The base URL of the API, as the document's operations expect it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/api/v3";
    }

    /** The last request to a path starting with {@code prefix}. */
    public Seen last(String prefix) {
        for (int i = seen.size() - 1; i >= 0; i--) {
            if (seen.get(i).path().startsWith(prefix)) {
                return seen.get(i);
            }
        }
        throw new AssertionError("no request to " + prefix + " in " + seen);
    }

    private static JsonObject body(RoutingContext ctx) {
        try {
            return ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void withPet(RoutingContext ctx, java.util.function.Consumer<JsonObject> then) {
        with(ctx, "petId", pets, "Pet not found", then);
    }

    private void withOrder(RoutingContext ctx, java.util.function.Consumer<JsonObject> then) {
        with(ctx, "orderId", orders, "Order not found", then);
    }

    private void withUser(RoutingContext ctx, java.util.function.Consumer<JsonObject> then) {
        JsonObject user = users.get(ctx.pathParam("username"));
        if (user == null) {
            json(ctx, 404, error(404, "User not found"));
        } else {
            then.accept(user);
        }
    }

    private static void with(RoutingContext ctx, String param, Map<Long, JsonObject> map, String missing,
            java.util.function.Consumer<JsonObject> then) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam(param));
        } catch (NumberFormatException e) {
            json(ctx, 400, error(400, "Invalid ID supplied"));
            return;
        }
        JsonObject found = map.get(id);
        if (found == null) {
            json(ctx, 404, error(404, missing));
        } else {
            then.accept(found);
        }
    }

    private static JsonObject error(int code, String message) {
        return new JsonObject().put("code", code).put("message", message);
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        String text = body instanceof String s ? new JsonArray().add(s).encode() : body.toString();
        if (body instanceof String) {
            text = text.substring(1, text.length() - 1);
        } else if (body instanceof JsonObject o) {
            text = o.encode();
        } else if (body instanceof JsonArray a) {
            text = a.encode();
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
