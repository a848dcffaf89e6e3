package dev.mcpgateway.config;

/**
 * A REST API served as an MCP server: its OpenAPI document and where its operations are called.
 *
 * @param document a file path or an {@code http(s)://} URL of an OpenAPI 3.0 or 3.1 document
 * @param baseUrl the URL operation paths are appended to (null: the document's first server)
 */
public record OpenApiSource(String document, String baseUrl) {
}
