package dev.mcpgateway.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.McpHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * The console's JSON API through the gateway with real upstreams: refused without the admin key
 * (and with an MCP client's key), then routes, backends, tools as a principal, sessions (ending
 * one makes its client get 404) and traffic.
 */
@QuarkusTest
@WithTestResource(ConsoleUpstreams.class)
class ConsoleApiTest {

    static final String PROTOCOL = "2025-11-25";

    @TestHTTPResource("/mcp")
    URL endpoint;

    @Test
    void theApiRefusesCallersWithoutTheAdminKey() {
        given().get("/console/api/routes").then().statusCode(401)
                .header("WWW-Authenticate", containsString("ApiKey realm=\"mcp-gateway-console\""))
                .header("Cache-Control", "no-store")
                .body("status", equalTo(401)).body("error", equalTo("unauthorized"))
                .body("message", containsString("X-Console-Key"));
        given().header("X-Console-Key", "wrong").get("/console/api/sessions").then().statusCode(401)
                .body("message", equalTo("Unauthorized: invalid console key"));
        // An MCP client's key is no admin key.
        given().header("X-Console-Key", ConsoleUpstreams.ALICE).get("/console/api/routes").then().statusCode(401);
        given().header("Authorization", "Bearer " + ConsoleUpstreams.ALICE).get("/console/api/routes").then().statusCode(401);
        given().header("X-Console-Key", "wrong").delete("/console/api/sessions/x").then().statusCode(401);
        // What the page needs before signing in, and nothing more.
        given().get("/console/api/auth").then().statusCode(200).body("required", equalTo(true))
                .body("apiKeys", equalTo(true));
    }

    @Test
    void thePageIsServedWithAStrictPolicy() {
        given().redirects().follow(false).get("/console").then().statusCode(302).header("Location", "/console/");
        given().get("/console/").then().statusCode(200).contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .body(containsString("console.js"));
        given().get("/console/console.js").then().statusCode(200).contentType(containsString("javascript"));
        given().get("/console/nothing.js").then().statusCode(404);
        admin().get("/console/api/nothing").then().statusCode(404).body("error", equalTo("not_found"));
    }

    @Test
    void routesAndBackendsShowTheConfiguration() {
        admin().get("/console/api/routes").then().statusCode(200)
                .body("routes.path", hasItem("/mcp"))
                .body("routes[0].security.kind", equalTo("apiKey"))
                .body("routes[0].security.authorizationRules", equalTo(1))
                .body("routes[0].prefixed", equalTo(true))
                .body("routes[0].backends.name", hasItems("alpha", "beta"));
        admin().header("Authorization", "Bearer " + ConsoleUpstreams.ADMIN).get("/console/api/routes").then().statusCode(200);
        JsonPath backends = admin().get("/console/api/backends").then().statusCode(200).extract().jsonPath();
        assertThat(backends.getList("backends.name")).containsExactly("alpha", "beta");
        assertThat(backends.getString("backends[0].transport")).isEqualTo("streamable_http");
        assertThat(backends.getString("backends[0].url")).startsWith("http://127.0.0.1:");
        assertThat(backends.getString("backends[1].transport")).isEqualTo("stdio");
        assertThat(backends.getString("backends[1].command")).isNotBlank();
        for (int i = 0; i < 2; i++) {
            assertThat(backends.getString("backends[" + i + "].protocolVersion")).isEqualTo(PROTOCOL);
            assertThat(backends.getMap("backends[" + i + "].capabilities")).containsKey("tools");
            assertThat(backends.getString("backends[" + i + "].health")).isIn("reachable", "unknown");
        }
        assertThat(backends.getInt("backends[0].toolOverrides")).isEqualTo(2);
        assertThat(backends.getString("backends[0].circuit")).isEqualTo("closed");
        assertThat(backends.getInt("backends[0].resilience.failureThreshold")).isEqualTo(5);
        assertThat(backends.getString("backends[1].circuit")).isNull();
        assertThat(backends.getLong("backends[0].cache.ttlMs")).isEqualTo(60_000);
        assertThat(backends.getString("backends[1].cache")).isNull();
    }

    @Test
    void toolsAreTheMergedCatalogueAsAPrincipalSeesIt() {
        JsonPath all = admin().queryParam("route", "/mcp").queryParam("principal", "apikey:alice")
                .get("/console/api/tools").then().statusCode(200).extract().jsonPath();
        List<String> names = all.getList("tools.name");
        assertThat(names).contains("alpha__say", "alpha__get-sum", "beta__echo", "beta__get-sum")
                .doesNotContain("alpha__echo");
        assertThat(all.getString("tools.find { it.name == 'alpha__say' }.description")).isEqualTo("Repeats what you say.");
        assertThat(all.getMap("tools.find { it.name == 'alpha__say' }.inputSchema.properties")).containsKey("message");

        admin().queryParam("principal", "apikey:bob").get("/console/api/tools").then().statusCode(200)
                .body("principal", equalTo("apikey:bob"))
                .body("tools.name", not(hasItem("alpha__get-sum"))).body("tools.name", hasItem("beta__get-sum"));
        admin().queryParam("q", "REPEATS").get("/console/api/tools").then().statusCode(200)
                .body("count", equalTo(1)).body("tools[0].name", equalTo("alpha__say"));
        admin().queryParam("route", "/nowhere").get("/console/api/tools").then().statusCode(400)
                .body("message", containsString("/nowhere"));
    }

    @Test
    void anEndedSessionGets404() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI mcp = endpoint.toURI();
        String session = initialize(http, mcp);
        JsonPath listed = admin().get("/console/api/sessions").then().statusCode(200).extract().jsonPath();
        assertThat(listed.getList("sessions.id")).contains(session);
        String base = "sessions.find { it.id == '" + session + "' }";
        assertThat(listed.getString(base + ".principal")).isEqualTo("apikey:alice");
        assertThat(listed.getString(base + ".protocolVersion")).isEqualTo(PROTOCOL);
        assertThat(listed.getString(base + ".client")).isEqualTo("console-test");
        assertThat(listed.getMap(base + ".backends")).containsKeys("alpha", "beta");

        assertThat(listed.getBoolean(base + ".streamHere")).isFalse();
        // A client reading the session's GET stream on this replica shows.
        HttpResponse<java.io.InputStream> stream = http.sendAsync(HttpRequest.newBuilder(mcp)
                .header("Accept", "text/event-stream").header("MCP-Protocol-Version", PROTOCOL)
                .header("Mcp-Session-Id", session).header("X-API-Key", ConsoleUpstreams.ALICE).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> admin()
                .get("/console/api/sessions").then().extract().jsonPath().getBoolean(base + ".streamHere"));

        assertThat(toolsList(http, mcp, session).statusCode()).isEqualTo(200);
        admin().delete("/console/api/sessions/" + session).then().statusCode(204);
        stream.body().close();
        assertThat(toolsList(http, mcp, session).statusCode()).isEqualTo(404);
        admin().delete("/console/api/sessions/" + session).then().statusCode(404).body("error", equalTo("not_found"));
        assertThat(admin().get("/console/api/sessions").then().extract().jsonPath().getList("sessions.id"))
                .doesNotContain(session);
    }

    @Test
    void trafficCountsRequestsByMethodAndBackend() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI mcp = endpoint.toURI();
        String session = initialize(http, mcp);
        for (int i = 0; i < 3; i++) {
            assertThat(toolsList(http, mcp, session).statusCode()).isEqualTo(200);
        }
        JsonPath traffic = admin().queryParam("minutes", 2).get("/console/api/traffic").then().statusCode(200).extract()
                .jsonPath();
        assertThat(traffic.getInt("intervalSeconds")).isEqualTo(5);
        assertThat(traffic.getList("t")).hasSize(24);
        assertThat(traffic.getLong("methods.'tools/list'.requests")).isGreaterThanOrEqualTo(3);
        assertThat(traffic.getLong("total.requests")).isGreaterThanOrEqualTo(3);
        assertThat(traffic.getLong("backends.alpha.requests")).isGreaterThanOrEqualTo(3);
        assertThat(traffic.getDouble("methods.'tools/list'.p99Window")).isGreaterThan(0);
        assertThat(traffic.getList("methods.'tools/list'.rps")).hasSize(24);
        admin().delete("/console/api/sessions/" + session).then().statusCode(204);
    }

    static io.restassured.specification.RequestSpecification admin() {
        return given().header("X-Console-Key", ConsoleUpstreams.ADMIN);
    }

    static String initialize(HttpClient http, URI mcp) throws Exception {
        HttpResponse<String> init = http.send(McpHttp.request(mcp, PROTOCOL).header("Content-Type", "application/json")
                .header("X-API-Key", ConsoleUpstreams.ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
                         "clientInfo":{"name":"console-test","version":"1"}}}""".formatted(PROTOCOL))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        http.send(McpHttp.request(mcp, PROTOCOL).header("Content-Type", "application/json").header("Mcp-Session-Id", session)
                .header("X-API-Key", ConsoleUpstreams.ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .build(), HttpResponse.BodyHandlers.discarding());
        return session;
    }

    static HttpResponse<String> call(HttpClient http, URI mcp, String session, String tool, String arguments)
            throws Exception {
        return http.send(McpHttp.request(mcp, PROTOCOL).header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session).header("X-API-Key", ConsoleUpstreams.ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"%s","arguments":%s}}"""
                        .formatted(tool, arguments)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> toolsList(HttpClient http, URI mcp, String session) throws Exception {
        return http.send(McpHttp.request(mcp, PROTOCOL).header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session).header("X-API-Key", ConsoleUpstreams.ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
