package dev.mcpgateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
