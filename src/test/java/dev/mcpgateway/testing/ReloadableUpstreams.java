package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Two server-everything upstreams over HTTP and a configuration file the test rewrites: at first
 * it names only {@code alpha}. The gateway checks the file every 200 ms.
 */
public class ReloadableUpstreams implements QuarkusTestResourceLifecycleManager {

    public static volatile Path config;
    public static volatile int alphaPort;
    public static volatile int betaPort;
    private Process alpha;
    private Process beta;

    @Override
    public Map<String, String> start() {
        alphaPort = NodePeers.freePort();
        betaPort = NodePeers.freePort();
        alpha = NodePeers.startEverythingHttp(alphaPort);
        beta = NodePeers.startEverythingHttp(betaPort);
        try {
            config = Files.createTempFile("reloadable-", ".json");
            Files.writeString(config, """
                    {"mcpServers": {"alpha": {"url": "http://127.0.0.1:%d/mcp"}}}""".formatted(alphaPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.config-reload-interval", "200ms");
    }

    @Override
    public void stop() {
        NodePeers.stop(alpha);
        NodePeers.stop(beta);
        try {
            Files.deleteIfExists(config);
        } catch (IOException ignored) {
            // harmless
        }
    }
}
