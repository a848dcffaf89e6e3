package dev.mcpgateway.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * A session's upstream streams are pumped while a client reads its stream, and stop once nobody has
 * read it for {@code mcp-gateway.limits.unread-stream-timeout}; reading again starts them again.
 */
@QuarkusTest
@TestProfile(UnreadStreamTest.ShortTimeout.class)
@WithTestResource(EverythingUpstreams.class)
class UnreadStreamTest {

    public static class ShortTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.limits.unread-stream-timeout", "1s", "mcp-gateway.stream-lease", "1500ms");
        }
    }

    @Inject
    StreamPumps pumps;

    @TestHTTPResource("/mcp")
    URI endpoint;

    @Test
    void upstreamStreamsStopWhenNobodyReads() throws Exception {
        String session = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                         "clientInfo":{"name":"unread","version":"1"}}}""")
                .post().then().statusCode(200).extract().header("Mcp-Session-Id");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest get = HttpRequest.newBuilder(endpoint).header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18").GET().build();

        HttpResponse<InputStream> stream = http.send(get, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> pumps.pumping() == 1);

        stream.body().close();
        await().atMost(Duration.ofSeconds(10)).until(() -> pumps.claimed() == 0);
        assertThat(pumps.pumping()).isZero();

        HttpResponse<InputStream> again = http.send(get, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(again.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> pumps.pumping() == 1);
        again.body().close();
    }
}
