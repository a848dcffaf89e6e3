package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Two MCPRoutes (YAML) in front of one real server-everything ({@code ok}) and a port where nothing
 * listens: {@code /strict/mcp} requires its dead backend ({@code failureMode: failClosed}),
 * {@code /loose/mcp} opens sessions without it ({@code failOpen}, circuit after 1 failure, tools
 * hidden while open). The gateway re-reads the file every 200 ms; {@link #write(String)} changes it.
 */
public class ResilientRoutes implements QuarkusTestResourceLifecycleManager {

    public static volatile Path config;
    private static volatile int okPort;
    private static volatile int deadPort;
    private Process ok;

    /** The routes file; {@code looseExtra} is appended to the loose route's backend list. */
    public static String routes(String looseExtra) {
        return """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: strict}
                spec:
                  path: /strict/mcp
                  backendRefs:
                  - {name: ok, kind: Backend, group: gateway.envoyproxy.io, circuitBreaker: {failureThreshold: 2, openFor: 30s}}
                  - {name: required, kind: Backend, group: gateway.envoyproxy.io, failureMode: failClosed}
                ---
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: loose}
                spec:
                  path: /loose/mcp
                  backendRefs:
                  - {name: ok, kind: Backend, group: gateway.envoyproxy.io, maxConcurrent: 8}
                %s
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: ok}
                spec: {endpoints: [{ip: {address: 127.0.0.1, port: %d}}]}
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: required}
                spec: {endpoints: [{ip: {address: 127.0.0.1, port: %d}}]}
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: optional}
                spec: {endpoints: [{ip: {address: 127.0.0.1, port: %d}}]}
                """.formatted(looseExtra, okPort, deadPort, deadPort);
    }

    /** The loose route's dead backend entry. */
    public static final String OPTIONAL = "  - {name: optional, kind: Backend, group: gateway.envoyproxy.io, failureMode: failOpen,"
            + " circuitBreaker: {failureThreshold: 1, openFor: 1h}, hideToolsWhenOpen: true}";

    @Override
    public Map<String, String> start() {
        okPort = NodePeers.freePort();
        deadPort = NodePeers.freePort();
        ok = NodePeers.startEverythingHttp(okPort);
        try {
            config = Files.createTempFile("resilient-routes-", ".yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(routes(OPTIONAL));
        return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.config-reload-interval", "200ms");
    }

    public static void write(String content) {
        try {
            Files.writeString(config, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        NodePeers.stop(ok);
        NodePeers.deleteQuietly(config);
    }
}
