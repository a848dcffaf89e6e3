package dev.mcpgateway.transport;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** Every kind of bad input gets a clear answer with the right status and code, never a 500. */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class BadInputTest {

    static final String ACCEPT = "application/json, text/event-stream";
    static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"bad-input-test","version":"1"}}}""";

    String session;

    static RequestSpecification mcp() {
        return given().basePath("/mcp").header("Accept", ACCEPT).contentType(ContentType.JSON);
    }

    @BeforeEach
    void initialize() {
        session = mcp().body(INIT).post().then().statusCode(200)
                .body("result.protocolVersion", equalTo("2025-06-18"))
                .header("Mcp-Session-Id", notNullValue())
                .extract().header("Mcp-Session-Id");
    }

    RequestSpecification inSession() {
        return mcp().header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18");
    }

    @Test
    void sessionIdsAreLongAndRandom() {
        String other = mcp().body(INIT).post().then().statusCode(200).extract().header("Mcp-Session-Id");
        org.assertj.core.api.Assertions.assertThat(session).hasSizeGreaterThanOrEqualTo(22).isNotEqualTo(other)
                .matches("[\\x21-\\x7E]+");
    }

    @Test
    void invalidJsonIsParseErrorWithNullId() {
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":").post().then().statusCode(400)
                .body("error.code", equalTo(-32700)).body("id", nullValue()).body("jsonrpc", equalTo("2.0"));
    }

    @Test
    void notJsonRpcIsInvalidRequest() {
        inSession().body("[1,2]").post().then().statusCode(400).body("error.code", equalTo(-32600));
        inSession().body("\"hello\"").post().then().statusCode(400).body("error.code", equalTo(-32600));
        inSession().body("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}").post().then().statusCode(400)
                .body("error.code", equalTo(-32600));
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"ping\"}").post().then().statusCode(400)
                .body("error.code", equalTo(-32600));
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}").post().then().statusCode(400)
                .body("error.code", equalTo(-32600));
    }

    @Test
    void batchesAreRefusedAfter20250326() {
        inSession().body("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]").post().then().statusCode(400)
                .body("error.code", equalTo(-32600)).body("error.message", containsString("batch"));
    }

    @Test
    void batchesWorkOn20250326() {
        String old = mcp().body(INIT.replace("2025-06-18", "2025-03-26")).post().then().statusCode(200)
                .extract().header("Mcp-Session-Id");
        mcp().header("Mcp-Session-Id", old)
                .body("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"nope\"},"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]")
                .post().then().statusCode(200)
                .body("size()", equalTo(2)).body("[0].id", equalTo(1)).body("[1].id", equalTo("two"))
                .body("[1].error.code", equalTo(-32601));
    }

    @Test
    void unknownMethodIsMethodNotFound() {
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/explode\"}").post().then().statusCode(200)
                .body("error.code", equalTo(-32601)).body("id", equalTo("abc"));
    }

    @Test
    void badParamsAreInvalidParams() {
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"arguments\":{}}}").post()
                .then().statusCode(200).body("error.code", equalTo(-32602)).body("id", equalTo(7));
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\",\"params\":{\"cursor\":\"not-a-cursor!\"}}")
                .post()
                .then().statusCode(200).body("error.code", equalTo(-32602));
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/read\",\"params\":{\"uri\":42}}").post()
                .then().statusCode(200).body("error.code", equalTo(-32602));
    }

    @Test
    void idsComeBackExactlyAsSent() {
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":12345678901,\"method\":\"ping\"}").post().then().statusCode(200)
                .body(containsString("\"id\":12345678901"));
        inSession().body(
                "{\"jsonrpc\":\"2.0\",\"id\":\"x-1\",\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"m\"}}}")
                .post().then().statusCode(200).body("id", equalTo("x-1")).body("result.content[0].text", equalTo("Echo: m"));
    }

    @Test
    void missingOrWrongAcceptIs406() {
        given().basePath("/mcp").contentType(ContentType.JSON).header("Mcp-Session-Id", session)
                .header("Accept", "application/json").body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                .post().then().statusCode(406).body("error.message", containsString("Accept"));
        given().basePath("/mcp").contentType(ContentType.JSON).header("Accept", "text/html").body(INIT)
                .post().then().statusCode(406);
    }

    @Test
    void wrongContentTypeIs415() {
        given().basePath("/mcp").header("Accept", ACCEPT).header("Mcp-Session-Id", session)
                .contentType("text/plain").body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                .post().then().statusCode(415);
    }

    @Test
    void oversizedBodyIs413() {
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(5 * 1024 * 1024)
                + "\"}}";
        inSession().body(big).post().then().statusCode(413).body("error.message", containsString("Too Large"));
        // The session still works afterwards.
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}").post().then().statusCode(200);
    }

    @Test
    void unknownSessionIs404AndMissingSessionIs400() {
        mcp().header("Mcp-Session-Id", "no-such-session").body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                .post().then().statusCode(404).body("error.code", equalTo(-32001));
        mcp().body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").post().then().statusCode(400)
                .body("error.message", containsString("Mcp-Session-Id"));
    }

    @Test
    void deleteEndsTheSession() {
        given().basePath("/mcp").header("Mcp-Session-Id", session).delete().then().statusCode(200);
        inSession().body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").post().then().statusCode(404);
        given().basePath("/mcp").header("Mcp-Session-Id", session).delete().then().statusCode(404);
    }

    @Test
    void unsupportedProtocolVersionHeaderIs400() {
        mcp().header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "1999-01-01")
                .body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").post().then().statusCode(400)
                .body("error.message", containsString("2025-11-25"));
    }

    @Test
    void foreignOriginIs403() {
        inSession().header("Origin", "http://evil.example").body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                .post().then().statusCode(403);
        inSession().header("Origin", "http://localhost:6274").body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                .post().then().statusCode(200);
    }

    @Test
    void notificationsAndResponsesAreAccepted() {
        inSession().body("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").post().then().statusCode(202);
    }

    @Test
    void unsupportedInitializeVersionGetsTheLatest() {
        mcp().body(INIT.replace("2025-06-18", "2099-01-01")).post().then().statusCode(200)
                .body("result.protocolVersion", equalTo("2025-11-25"));
    }
}
