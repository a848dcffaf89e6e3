package dev.mcpgateway.config;

/**
 * A header copied from the client's request to the requests the gateway sends one backend
 * (mcp-servers.json {@code forwardHeaders}, MCPRoute {@code backendRefs[].forwardHeaders}), e.g. a
 * tenant or a personal access token in a header of its own. Neither name is ever one of
 * {@link HeaderRules}' (framing, session, protocol, content negotiation, and {@code Authorization}
 * unless the backend's auth is passthrough): the file is refused at load.
 *
 * @param name the header on the client's request
 * @param backendHeader the header sent upstream; the same as {@code name} when not renamed
 */
public record ForwardHeader(String name, String backendHeader) {
}
