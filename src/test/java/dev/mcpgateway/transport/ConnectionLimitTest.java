package dev.mcpgateway.transport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.FaultyUpstreams;
import dev.mcpgateway.testing.RawHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * One address may hold {@code limits.max-connections-per-address} connections: the next one is
 * closed at once, the ones it holds keep working, and a closed one frees its place.
 */
@QuarkusTest
@TestProfile(ConnectionLimitTest.FourPerAddress.class)
@WithTestResource(FaultyUpstreams.class)
class ConnectionLimitTest {

    static final int LIMIT = 4;

    /** A limit small enough to reach with a handful of sockets. */
    public static class FourPerAddress implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.limits.max-connections-per-address", String.valueOf(LIMIT));
        }
    }

    @TestHTTPResource("/mcp")
    URI endpoint;

    @Inject
    ConnectionLimits limits;

    @Test
    void theConnectionOverTheLimitIsClosedAtOnce() throws Exception {
        InetAddress local = InetAddress.getByName(endpoint.getHost());
        // Connections left idle by earlier requests close (or are counted): start from none held here.
        await().atMost(Duration.ofSeconds(40)).until(() -> limits.connections(local) == 0);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT; i++) {
                held.add(RawHttp.connect(endpoint, 0));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> limits.connections(local) == LIMIT);
            long refusedBefore = limits.refusedConnections();
            try (Socket over = RawHttp.connect(endpoint, 0)) {
                over.setSoTimeout(5_000);
                assertThat(endOfStream(over.getInputStream())).as("the connection over the limit is closed").isTrue();
            }
            assertThat(limits.refusedConnections()).isEqualTo(refusedBefore + 1);

            // The ones held still work.
            Socket first = held.get(0);
            RawHttp.send(first, "GET /q/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            first.setSoTimeout(5_000);
            assertThat(RawHttp.readHead(new BufferedInputStream(first.getInputStream()))).startsWith("HTTP/1.1 200");

            // A closed one frees its place for an ordinary client.
            held.remove(1).close();
            await().atMost(Duration.ofSeconds(5)).until(() -> limits.connections(local) == LIMIT - 1);
            given().get("/q/health").then().statusCode(200);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** Whether the server closed the connection (end of stream or reset) rather than keep it open. */
    static boolean endOfStream(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
