package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The gateway taking DPoP-bound tokens from a real Keycloak, in front of a real server-everything.
 * Two MCPRoutes: {@code /mcp} takes bearer and DPoP tokens (DPoP with the defaults), {@code
 * /dpop/mcp} only DPoP with ES256 proofs. Keycloak's client {@code mcp-dpop} issues DPoP-bound
 * tokens, {@code mcp-test} plain bearer ones; both carry the audience {@code /mcp}'s resource URL.
 */
public class DpopGateway implements QuarkusTestResourceLifecycleManager {

    private static KeycloakServer keycloak;
    private static int gatewayPort;
    private Process upstream;
    private Path config;

    public static KeycloakServer keycloak() {
        return keycloak;
    }

    /** The public URL of a route of the gateway. */
    public static String url(String path) {
        return "http://127.0.0.1:" + gatewayPort + path;
    }

    @Override
    public Map<String, String> start() {
        gatewayPort = NodePeers.freePort();
        int upstreamPort = NodePeers.freePort();
        upstream = NodePeers.startEverythingHttp(upstreamPort);
        keycloak = KeycloakServer.start(Map.of("GATEWAY_RESOURCE", url("/mcp")));
        String yaml = """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: both, namespace: default}
                spec:
                  parentRefs: [{name: gw}]
                  path: /mcp
                  backendRefs: [{name: everything, kind: Backend, group: gateway.envoyproxy.io, path: /mcp}]
                  securityPolicy:
                    oauth:
                      issuer: "%1$s"
                      protectedResourceMetadata: {resource: "%2$s", scopesSupported: ["mcp:tools"]}
                      dpop: {}
                ---
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: dpop-only, namespace: default}
                spec:
                  parentRefs: [{name: gw}]
                  path: /dpop/mcp
                  backendRefs: [{name: everything, kind: Backend, group: gateway.envoyproxy.io, path: /mcp}]
                  securityPolicy:
                    oauth:
                      issuer: "%1$s"
                      audiences: ["%2$s"]
                      protectedResourceMetadata: {resource: "%3$s"}
                      dpop: {required: true, algorithms: [ES256], proofLifetime: 30s}
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: everything, namespace: default}
                spec:
                  endpoints:
                  - ip: {address: 127.0.0.1, port: %4$d}
                """.formatted(keycloak.issuer(), url("/mcp"), url("/dpop/mcp"), upstreamPort);
        try {
            config = Files.createTempFile("dpop-routes-", ".yaml");
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>();
        props.put("mcp-gateway.config-file", config.toString());
        props.put("quarkus.http.test-port", String.valueOf(gatewayPort));
        props.put("mcp-gateway.auth.clock-skew", "5s");
        return props;
    }

    @Override
    public void stop() {
        if (keycloak != null) {
            keycloak.close();
        }
        NodePeers.stop(upstream);
        NodePeers.deleteQuietly(config);
    }
}
