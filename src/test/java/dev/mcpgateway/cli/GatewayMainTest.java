package dev.mcpgateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class GatewayMainTest {

    record Outcome(int code, String err) {
    }

    static Outcome prepare(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GatewayMain.prepare(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badConfigurationsStopBeforeListening() throws Exception {
        Path dir = Files.createTempDirectory("cli");
        Outcome missing = prepare("run", "--mcp-config", dir.resolve("nope.json").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.json").contains("not found");

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"mcpServers\":{\"x\":{\"type\":\"carrier-pigeon\",\"url\":\"http://h\"}}}");
        Outcome unknownType = prepare("run", "--mcp-config", bad.toString());
        assertThat(unknownType.code()).isEqualTo(1);
        assertThat(unknownType.err()).contains("bad.json").contains("\"x\"").contains("\"type\"").contains("carrier-pigeon");

        assertThat(prepare("run").code()).isEqualTo(2);
        assertThat(prepare("serve").code()).isEqualTo(2);
        assertThat(prepare("run", "--mcp-config", bad.toString(), "--port", "http").code()).isEqualTo(2);
        assertThat(prepare("--help").code()).isEqualTo(0);
    }

    @Test
    void goodConfigurationSetsProperties() throws Exception {
        Path ok = Files.createTempFile("ok", ".json");
        Files.writeString(ok, "{\"mcpServers\":{\"x\":{\"command\":\"true\"}}}");
        String before = System.getProperty("quarkus.http.port");
        try {
            assertThat(prepare("run", "--mcp-config", ok.toString(), "--port", "4321", "--host", "127.0.0.2").code())
                    .isEqualTo(-1);
            assertThat(System.getProperty("mcp-gateway.config-file")).isEqualTo(ok.toAbsolutePath().normalize().toString());
            assertThat(System.getProperty("quarkus.http.port")).isEqualTo("4321");
            assertThat(System.getProperty("quarkus.http.host")).isEqualTo("127.0.0.2");
        } finally {
            System.clearProperty("mcp-gateway.config-file");
            System.clearProperty("quarkus.http.host");
            if (before == null) {
                System.clearProperty("quarkus.http.port");
            } else {
                System.setProperty("quarkus.http.port", before);
            }
        }
    }

    /** Defect 10: a cluster replica without the shared signing key stops before it connects to anything. */
    @Test
    void aClusterReplicaWithoutASigningKeyStopsAtTheLauncher() throws Exception {
        Path ok = Files.createTempFile("ok", ".json");
        Files.writeString(ok, "{\"mcpServers\":{\"x\":{\"command\":\"true\"}}}");
        System.setProperty("mcp-gateway.store", "infinispan");
        try {
            Outcome noKey = prepare("run", "--mcp-config", ok.toString());
            assertThat(noKey.code()).isEqualTo(1);
            assertThat(noKey.err()).contains("invalid configuration").contains("mcp-gateway.signing-key");
            System.setProperty("mcp-gateway.signing-key", "a-shared-secret-for-every-replica");
            assertThat(prepare("run", "--mcp-config", ok.toString()).code()).isEqualTo(-1);
        } finally {
            System.clearProperty("mcp-gateway.store");
            System.clearProperty("mcp-gateway.signing-key");
            System.clearProperty("mcp-gateway.config-file");
        }
    }

    /**
     * The launcher as a process, as a replica starts it: with a command (run --mcp-config) and
     * without one (a container configured by environment variables). It exits 1 naming the setting,
     * and the Infinispan address it was given never sees a connection.
     */
    @Test
    void theLauncherProcessExitsWithOneAndConnectsNowhere() throws Exception {
        Path ok = Files.createTempFile("ok", ".json");
        Files.writeString(ok, "{\"mcpServers\":{\"x\":{\"command\":\"true\"}}}");
        try (ServerSocket infinispan = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            infinispan.setSoTimeout(200);
            for (List<String> args : List.of(List.of("run", "--mcp-config", ok.toString()), List.<String>of())) {
                List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                        "-cp", System.getProperty("java.class.path"),
                        "-Dquarkus.infinispan-client.hosts=127.0.0.1:" + infinispan.getLocalPort(),
                        GatewayMain.class.getName()));
                command.addAll(args);
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                pb.environment().put("MCP_GATEWAY_STORE", "infinispan");
                pb.environment().remove("MCP_GATEWAY_SIGNING_KEY");
                Process p = pb.start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(output).isEqualTo(1);
                assertThat(output).contains("mcp-gateway: invalid configuration: mcp-gateway.signing-key");
                assertThatThrownBy(infinispan::accept).isInstanceOf(SocketTimeoutException.class);
            }
        }
    }
}
