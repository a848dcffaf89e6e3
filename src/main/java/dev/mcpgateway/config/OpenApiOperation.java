package dev.mcpgateway.config;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One operation of an OpenAPI document as a tool: how a {@code tools/call} becomes an HTTP request.
 *
 * @param tool the tool's name (the operationId made safe, or method and path)
 * @param method the HTTP method, upper case
 * @param path the path template, e.g. {@code /pet/{petId}}, appended to the base URL
 * @param parameters the path, query, header and cookie parameters, each read from one argument
 * @param body the request body, read from one argument; null when the operation takes none
 * @param definition the tool as {@code tools/list} shows it (name, title, description,
 *        inputSchema, annotations)
 */
public record OpenApiOperation(String tool, String method, String path, List<Parameter> parameters, Body body,
        ObjectNode definition) {

    public OpenApiOperation {
        parameters = List.copyOf(parameters);
    }

    /**
     * A parameter of the operation.
     *
     * @param name its name in the request (path placeholder, query key, header or cookie name)
     * @param argument the tool argument it is read from (its name, unless two parameters share it)
     * @param in {@code path}, {@code query}, {@code header} or {@code cookie}
     * @param style the OpenAPI serialization style ({@code simple}, {@code form}, {@code deepObject}, ...)
     * @param explode whether arrays and objects are exploded into several values
     */
    public record Parameter(String name, String argument, String in, String style, boolean explode, boolean required) {
    }

    /**
     * The request body.
     *
     * @param argument the tool argument it is read from
     * @param mediaType the {@code Content-Type} it is sent with
     * @param kind how the argument is encoded
     */
    public record Body(String argument, String mediaType, Kind kind, boolean required) {

        /** How a body argument becomes bytes. */
        public enum Kind {
            /** The argument as JSON. */
            JSON,
            /** An object's members as {@code application/x-www-form-urlencoded} fields. */
            FORM,
            /** A string sent as it is (any other media type). */
            TEXT
        }
    }
}
