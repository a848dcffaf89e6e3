package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The Petstore REST server and a gateway configuration that serves it as an MCP server twice: as
 * {@code pets} (the document from a file, a static header, a client-credentials token the gateway
 * obtains from the same server, {@code logoutUser} renamed {@code signOut}) and as {@code remote} (the document fetched over HTTP, one tool).
 * With the init argument {@code format=mcproute}, an MCPRoute YAML file instead. The gateway checks
 * the file every 200 ms, so a test may rewrite it.
 */
public class OpenApiUpstreams implements QuarkusTestResourceLifecycleManager {

    public static volatile PetstoreServer petstore;
    public static volatile Path config;
    public static volatile String original;
    private boolean yaml;

    @Override
    public void init(Map<String, String> initArgs) {
        yaml = "mcproute".equals(initArgs.get("format"));
    }

    @Override
    public Map<String, String> start() {
        petstore = new PetstoreServer();
        String document = PetstoreServer.DOCUMENT.toAbsolutePath().toString();
        int port = petstore.port();
        try {
            config = Files.createTempFile("openapi-", yaml ? ".yaml" : ".json");
            original = yaml ? """
                    apiVersion: aigateway.envoyproxy.io/v1beta1
                    kind: MCPRoute
                    metadata: {name: rest, namespace: default}
                    spec:
                      backendRefs:
                      - name: pets
                        openapi: {document: "%s", baseUrl: "%s"}
                        securityPolicy: {apiKey: {inline: route-key, header: X-Api-Key}}
                    """.formatted(document, petstore.baseUrl()) : """
                    {"mcpServers": {
                      "pets": {"type": "openapi", "openapi": "%s", "baseUrl": "%s",
                               "headers": {"X-Api-Key": "static-key"}, "timeout": 10,
                               "toolOverrides": {"logoutUser": {"name": "signOut", "description": "Ends the session."}},
                               "auth": {"type": "client_credentials", "clientId": "gateway", "clientSecret": "s3cret",
                                        "tokenEndpoint": "http://127.0.0.1:%d/oauth/token"}},
                      "remote": {"type": "openapi", "openapi": "http://127.0.0.1:%d/openapi.yaml", "baseUrl": "%s",
                                 "tools": ["getInventory"]}
                    }}""".formatted(document, petstore.baseUrl(), port, port, petstore.baseUrl());
            Files.writeString(config, original);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.config-reload-interval", "200ms");
    }

    @Override
    public void stop() {
        if (petstore != null) {
            petstore.close();
        }
        try {
            Files.deleteIfExists(config);
        } catch (IOException ignored) {
            // harmless
        }
    }
}
