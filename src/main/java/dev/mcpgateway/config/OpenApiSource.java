package dev.mcpgateway.config;

import java.util.List;

/**
 * A REST API served as an MCP server: its OpenAPI document, read and mapped to tools when the
 * configuration is loaded, and where its operations are called.
 *
 * @param document the file path or {@code http(s)://} URL of the OpenAPI 3.0 or 3.1 document, as configured
 * @param baseUrl the URL operation paths are appended to (configured, or the document's first server)
 * @param title the document's {@code info.title}
 * @param version the document's {@code info.version}
 * @param operations one per operation of the document, in document order: each becomes a tool
 */
public record OpenApiSource(String document, String baseUrl, String title, String version,
        List<OpenApiOperation> operations) {

    public OpenApiSource {
        operations = operations == null ? List.of() : List.copyOf(operations);
    }

    /** The operation behind a tool name, or null. */
    public OpenApiOperation operation(String tool) {
        for (OpenApiOperation o : operations) {
            if (o.tool().equals(tool)) {
                return o;
            }
        }
        return null;
    }
}
