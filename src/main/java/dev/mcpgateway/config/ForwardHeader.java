package dev.mcpgateway.config;

/**
 * A header copied from the client's request to the requests the gateway sends one backend
 * (MCPRoute {@code backendRefs[].forwardHeaders}), e.g. a personal access token.
 *
 * @param name the header on the client's request
 * @param backendHeader the header sent upstream; the same as {@code name} when not renamed
 */
public record ForwardHeader(String name, String backendHeader) {
}
