package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Runs the official TypeScript SDK client (src/test/node/sdk-client.mjs) against a URL with a
 * scenario of steps and returns its JSON report.
 */
public final class SdkClient {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SdkClient() {
    }

    public static ObjectNode scenario() {
        ObjectNode s = MAPPER.createObjectNode();
        s.putArray("steps");
        return s;
    }

    public static ObjectNode step(ObjectNode scenario, String op) {
        return ((ArrayNode) scenario.get("steps")).addObject().put("op", op);
    }

    public static JsonNode run(String url, ObjectNode scenario) {
        return run(NodePeers.SDK_CLIENT, url, scenario);
    }

    /** The same with the TypeScript SDK v2 client (sdk2-client.mjs): 2026-07-28 unless the server is older. */
    public static JsonNode runV2(String url, ObjectNode scenario) {
        return run(NodePeers.SDK2_CLIENT, url, scenario);
    }

    private static JsonNode run(Path script, String url, ObjectNode scenario) {
        NodePeers.requireInstalled();
        try {
            Path file = Files.createTempFile("scenario-", ".json");
            Files.writeString(file, MAPPER.writeValueAsString(scenario));
            ProcessBuilder pb = new ProcessBuilder(
                    List.of(NodePeers.node(), script.toString(), url, file.toString()))
                    .directory(NodePeers.DIR.toFile());
            Path err = Files.createTempFile("sdk-client-", ".err");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("sdk-client timed out");
            }
            String stdout = new String(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(file);
            try {
                return MAPPER.readTree(stdout);
            } catch (IOException e) {
                throw new IllegalStateException("sdk-client printed no JSON (exit " + p.exitValue() + "): " + stdout
                        + "\nstderr: " + Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The result of step i, failing the test with the step's error if it failed. */
    public static JsonNode result(JsonNode report, int i) {
        JsonNode step = report.path("steps").get(i);
        if (step == null || !step.path("ok").asBoolean()) {
            throw new AssertionError("step " + i + " failed: " + step + "\nreport: " + report);
        }
        return step.get("result");
    }
}
