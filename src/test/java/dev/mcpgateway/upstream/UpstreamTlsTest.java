package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.StdioClientTest.echo;
import static dev.mcpgateway.upstream.StdioClientTest.failure;
import static dev.mcpgateway.upstream.StdioClientTest.get;
import static dev.mcpgateway.upstream.StdioClientTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.config.UpstreamTls;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.testing.NodePeers;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PfxOptions;

/**
 * The upstream TLS settings against real HTTPS: server-everything (Streamable HTTP and legacy SSE)
 * behind a TLS front whose certificate is issued, at test time, by a CA of the test's own. The
 * front records the SNI name and {@code Host} header of every request it is sent.
 */
class UpstreamTlsTest {

    private static final String PASSWORD = "changeit";
    /** The only name in the front's certificate; the front itself listens on 127.0.0.1. */
    private static final String SERVER_NAME = "upstream.test";

    @TempDir
    static Path certs;
    private static String caPem;
    private static Process everythingHttp;
    private static Process everythingSse;
    private static Vertx frontVertx;
    private static int frontPort;
    private static final List<Seen> seen = new CopyOnWriteArrayList<>();

    private Vertx vertx;
    private final List<UpstreamClient> clients = new ArrayList<>();

    /** What the TLS front saw of one request: the SNI name (null: none) and the Host header. */
    record Seen(String sni, String host, String path) {
    }

    @BeforeAll
    static void start() throws Exception {
        Path keystore = certs.resolve("front.p12");
        issueCertificates(keystore);
        caPem = Files.readString(certs.resolve("ca.pem"));

        int httpPort = NodePeers.freePort();
        int ssePort = NodePeers.freePort();
        everythingHttp = NodePeers.startEverythingHttp(httpPort);
        ProcessBuilder sse = new ProcessBuilder(NodePeers.node(), "--require", NodePeers.LOCALHOST_SHIM.toString(),
                NodePeers.EVERYTHING.toString(), "sse").redirectErrorStream(true);
        sse.environment().put("PORT", Integer.toString(ssePort));
        everythingSse = NodePeers.startAndWait(sse, "running on port", "server-everything sse:" + ssePort);

        frontVertx = Vertx.vertx();
        HttpClient plain = frontVertx.createHttpClient();
        HttpServer front = frontVertx.createHttpServer(new HttpServerOptions()
                .setHost("127.0.0.1")
                .setPort(0)
                .setSsl(true)
                .setSni(true)
                .setKeyCertOptions(new PfxOptions().setPath(keystore.toString()).setPassword(PASSWORD).setAlias("server")))
                .requestHandler(req -> forward(plain, req, req.path().equals("/mcp") ? httpPort : ssePort));
        frontPort = front.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        NodePeers.stop(everythingHttp);
        NodePeers.stop(everythingSse);
        if (frontVertx != null) {
            frontVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
        seen.clear();
    }

    @AfterEach
    void stopVertx() throws Exception {
        clients.forEach(UpstreamClient::shutdown);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---- Streamable HTTP ------------------------------------------------------------------------

    @Test
    void trustsTheConfiguredCaAndSendsTheServerNameAsSni() throws Exception {
        UpstreamClient client = client(TransportKind.STREAMABLE_HTTP, "/mcp",
                new UpstreamTls(List.of(caPem), SERVER_NAME, false));

        UpstreamSession session = get(client.open(StdioClientTest.initParams(false)));
        JsonRpcResponse tools = get(client.request(session,
                new JsonRpcRequest(TextNode.valueOf("list"), McpMethods.TOOLS_LIST, null), UpstreamSink.DISCARD));
        JsonRpcResponse echoed = get(client.request(session, echo(IntNode.valueOf(1), "over TLS"), UpstreamSink.DISCARD));
        // The GET stream has a pool of its own: it must check the certificate the same way.
        UpstreamListener listener = get(client.listen(session, UpstreamSink.DISCARD));

        assertThat(tools.result().path("tools").findValuesAsText("name")).contains("echo");
        assertThat(text(echoed)).isEqualTo("Echo: over TLS");
        assertThat(listener).isNotSameAs(UpstreamListener.NONE);
        listener.close();
        assertThat(seen).isNotEmpty().allSatisfy(s -> {
            assertThat(s.sni()).isEqualTo(SERVER_NAME);
            // The connection went to the URL's host, and the Host header still names it.
            assertThat(s.host()).isEqualTo("127.0.0.1:" + frontPort);
        });
        assertThat(seen).extracting(Seen::path).contains("/mcp");
    }

    @Test
    void refusesACertificateNoConfiguredCaVouchesFor() {
        UpstreamClient client = client(TransportKind.STREAMABLE_HTTP, "/mcp", UpstreamTls.DEFAULT);

        Throwable error = failure(client.open(StdioClientTest.initParams(false)));

        assertThat(error).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(((JsonRpcException) error).error().data().path("backend").asText()).isEqualTo("secure");
        assertThat(error.getMessage()).startsWith("Backend 'secure' is unavailable: its certificate is not trusted")
                .contains("no CA certificates are configured");
        assertThat(seen).isEmpty();
    }

    @Test
    void checksTheCertificateAgainstTheHostWhenNoServerNameIsSet() {
        // The CA is right, but the certificate is for upstream.test, not for 127.0.0.1.
        UpstreamClient client = client(TransportKind.STREAMABLE_HTTP, "/mcp", new UpstreamTls(List.of(caPem), null, false));

        Throwable error = failure(client.open(StdioClientTest.initParams(false)));

        assertThat(error.getMessage()).startsWith("Backend 'secure' is unavailable: its certificate is not for this host")
                .contains("127.0.0.1");
        assertThat(seen).isEmpty();
    }

    @Test
    void refusesTheRightCertificateUnderAnotherServerName() {
        UpstreamClient client = client(TransportKind.STREAMABLE_HTTP, "/mcp",
                new UpstreamTls(List.of(caPem), "other.test", false));

        Throwable error = failure(client.open(StdioClientTest.initParams(false)));

        assertThat(error.getMessage())
                .startsWith("Backend 'secure' is unavailable: its certificate is not for the server name other.test");
    }

    @Test
    void insecureSkipVerifyAcceptsAnyCertificate() throws Exception {
        UpstreamClient client = client(TransportKind.STREAMABLE_HTTP, "/mcp", new UpstreamTls(List.of(), null, true));

        UpstreamSession session = get(client.open(StdioClientTest.initParams(false)));

        assertThat(text(get(client.request(session, echo(IntNode.valueOf(2), "unverified"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: unverified");
        // No server name configured and an address for a host: nothing to send as SNI.
        assertThat(seen).isNotEmpty().allSatisfy(s -> assertThat(s.sni()).isNull());
    }

    // ---- legacy HTTP+SSE ----------------------------------------------------------------------

    @Test
    void legacySseStreamAndPostsUseTheBackendsTls() throws Exception {
        UpstreamClient client = client(TransportKind.SSE, "/sse", new UpstreamTls(List.of(caPem), SERVER_NAME, false));

        UpstreamSession session = get(client.open(StdioClientTest.initParams(false)));

        assertThat(session.sessionId()).startsWith("https://127.0.0.1:" + frontPort + "/message?sessionId=");
        assertThat(text(get(client.request(session, echo(IntNode.valueOf(3), "legacy over TLS"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: legacy over TLS");
        assertThat(seen).extracting(Seen::path).contains("/sse", "/message");
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.sni()).isEqualTo(SERVER_NAME);
            assertThat(s.host()).isEqualTo("127.0.0.1:" + frontPort);
        });
    }

    @Test
    void legacySseRefusesAnUntrustedCertificate() {
        UpstreamClient client = client(TransportKind.SSE, "/sse", UpstreamTls.DEFAULT);

        Throwable error = failure(client.open(StdioClientTest.initParams(false)));

        assertThat(error.getMessage()).startsWith("Backend 'secure' is unavailable: its certificate is not trusted");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private UpstreamClient client(TransportKind transport, String path, UpstreamTls tls) {
        BackendConfig config = new BackendConfig("secure", transport, "https://127.0.0.1:" + frontPort + path, Map.of(),
                null, List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, Duration.ofSeconds(15), List.of(), tls);
        UpstreamClient client = UpstreamClients.create(vertx, config,
                new UpstreamOptions(Duration.ofSeconds(5), Duration.ofSeconds(30), 10, Duration.ofSeconds(4)));
        clients.add(client);
        return client;
    }

    /** Passes one request on to server-everything over plain HTTP, streaming both bodies. */
    private static void forward(HttpClient plain, HttpServerRequest req, int port) {
        seen.add(new Seen(req.connection().indicatedServerName(), req.getHeader("Host"), req.path()));
        req.pause();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
        headers.remove("Connection").remove("Transfer-Encoding");
        plain.request(new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(port).setURI(req.uri())
                .setHeaders(headers))
                .compose(upstream -> {
                    req.connection().closeHandler(v -> upstream.reset());
                    return upstream.send(req);
                })
                .onSuccess(answer -> {
                    HttpServerResponse resp = req.response().setStatusCode(answer.statusCode());
                    answer.headers().forEach((k, v) -> {
                        if (!k.equalsIgnoreCase("Connection") && !k.equalsIgnoreCase("Transfer-Encoding")
                                && !k.equalsIgnoreCase("Keep-Alive")) {
                            resp.headers().add(k, v);
                        }
                    });
                    if (!resp.headers().contains("Content-Length")) {
                        // An event stream may stay silent a while: its headers go now, not with its first event.
                        resp.setChunked(true).writeHead();
                    }
                    answer.pipeTo(resp);
                })
                .onFailure(t -> req.response().setStatusCode(502).end(String.valueOf(t.getMessage())));
    }

    /**
     * A CA, and a certificate it issues for {@value #SERVER_NAME} only, made with the JDK's keytool:
     * the keystore holds both keys; ca.pem is what a backend's {@code caCertificates} would hold.
     */
    private static void issueCertificates(Path keystore) throws IOException, InterruptedException {
        keytool("-genkeypair", "-keystore", keystore.toString(), "-alias", "ca", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=Gateway Test CA", "-ext", "bc:c", "-validity", "2");
        keytool("-genkeypair", "-keystore", keystore.toString(), "-alias", "server", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + SERVER_NAME, "-validity", "2");
        Path csr = certs.resolve("server.csr");
        Path crt = certs.resolve("server.crt");
        keytool("-certreq", "-keystore", keystore.toString(), "-alias", "server", "-file", csr.toString());
        keytool("-gencert", "-keystore", keystore.toString(), "-alias", "ca", "-infile", csr.toString(), "-outfile",
                crt.toString(), "-rfc", "-validity", "2", "-ext", "san=dns:" + SERVER_NAME, "-ext", "eku=serverAuth");
        keytool("-importcert", "-keystore", keystore.toString(), "-alias", "server", "-file", crt.toString(), "-noprompt");
        keytool("-exportcert", "-keystore", keystore.toString(), "-alias", "ca", "-rfc", "-file",
                certs.resolve("ca.pem").toString());
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
