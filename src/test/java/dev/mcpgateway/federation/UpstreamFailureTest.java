package dev.mcpgateway.federation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.testing.FaultyUpstreams;
import dev.mcpgateway.testing.McpResponses;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** A dead, slow or broken upstream gives an error naming it; the other backends keep working. */
@QuarkusTest
@WithTestResource(FaultyUpstreams.class)
class UpstreamFailureTest {

    String session;

    RequestSpecification mcp() {
        return given().basePath("/mcp").header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON);
    }

    @BeforeEach
    void initialize() {
        session = mcp().body("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                 "clientInfo":{"name":"t","version":"1"}}}""").post().then().statusCode(200)
                .body("result.capabilities.tools", not(equalTo(null)))
                .extract().header("Mcp-Session-Id");
    }

    RequestSpecification call(String tool) {
        return mcp().header("Mcp-Session-Id", session)
                .body("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                        + "\",\"arguments\":{}}}");
    }

    @Test
    void onlyConfiguredClientHeadersReachABackend() {
        call("ok__work").header("X-Tenant", "acme").post().then().statusCode(200)
                .body("result.content[0].text", equalTo("done for acme"));
        call("plain__work").header("X-Tenant", "acme").post().then().statusCode(200)
                .body("result.content[0].text", equalTo("done"));
    }

    @Test
    void deadBackendIsSkippedAtInitialize() {
        mcp().header("Mcp-Session-Id", session).body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").post()
                .then().statusCode(200)
                .body("result.tools.name", hasItems("ok__work", "slow__work", "garbage__work", "broken__work"))
                .body("result.tools.name", not(hasItems("dead__work")));
    }

    @Test
    void slowBackendTimesOutWithItsName() {
        // The answer is late, so it comes as an event stream; its one message is the error.
        JsonNode slow = McpResponses.response(call("slow__work").post().then().statusCode(200).extract().response());
        assertThat(slow.path("id").asInt()).isEqualTo(5);
        assertThat(slow.path("error").path("code").asInt()).isEqualTo(-32011);
        assertThat(slow.path("error").path("message").asText()).contains("'slow'");
        assertThat(slow.path("error").path("data").path("backend").asText()).isEqualTo("slow");
        call("ok__work").post().then().statusCode(200).body("result.content[0].text", equalTo("done"));
    }

    @Test
    void garbageAndErrorsNameTheBackend() {
        call("garbage__work").post().then().statusCode(200).body("error.code", equalTo(-32010))
                .body("error.message", containsString("'garbage'"));
        call("broken__work").post().then().statusCode(200).body("error.code", equalTo(-32010))
                .body("error.message", containsString("'broken'")).body("error.message", containsString("500"));
        call("ok__work").post().then().statusCode(200).body("result.content[0].text", equalTo("done"));
    }
}
