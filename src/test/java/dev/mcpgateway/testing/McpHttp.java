package dev.mcpgateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The gateway's Streamable HTTP endpoint through the JDK HTTP client: requests with MCP headers, and a session. */
public final class McpHttp {

    private McpHttp() {
    }

    /** A request to {@code endpoint} that accepts JSON and SSE at {@code protocolVersion}. */
    public static HttpRequest.Builder request(URI endpoint, String protocolVersion) {
        return HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", protocolVersion);
    }

    /** Initializes a session as {@code clientName}, sends {@code notifications/initialized}, and answers its id. */
    public static String initialize(HttpClient http, URI endpoint, String protocolVersion, String clientName)
            throws Exception {
        HttpResponse<String> init = http.send(request(endpoint, protocolVersion).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
                         "clientInfo":{"name":"%s","version":"1"}}}""".formatted(protocolVersion, clientName))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        http.send(request(endpoint, protocolVersion).header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .build(), HttpResponse.BodyHandlers.discarding());
        return session;
    }
}
