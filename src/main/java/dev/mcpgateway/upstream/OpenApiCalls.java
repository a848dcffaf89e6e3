package dev.mcpgateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.OpenApiOperation;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import io.vertx.core.buffer.Buffer;

/**
 * How one {@code tools/call} of an OpenAPI operation becomes an HTTP request, and its response a
 * tool result. Arguments are serialized as the OpenAPI styles say (RFC 6570 for path, query, header
 * and cookie parameters), every value percent-encoded; the body argument goes as JSON, as form
 * fields or as text, by the operation's media type.
 */
final class OpenApiCalls {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private OpenApiCalls() {
    }

    /** Arguments that do not fit the operation: the tool result says why, so a model can correct them. */
    static final class InvalidArguments extends Exception {
        InvalidArguments(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One request to send.
     *
     * @param target the path and query, to append to the base URL
     * @param headers header parameters (and {@code Cookie} from cookie parameters)
     * @param contentType the body's media type; null without a body
     */
    record Prepared(String target, Map<String, String> headers, String contentType, Buffer body) {
    }

    static Prepared prepare(OpenApiOperation op, JsonNode arguments) throws InvalidArguments {
        JsonNode args = arguments == null || arguments.isNull() ? JSON.objectNode() : arguments;
        if (!args.isObject()) {
            throw new InvalidArguments("arguments must be an object");
        }
        String path = op.path();
        List<String> query = new ArrayList<>();
        List<String> cookies = new ArrayList<>();
        Map<String, String> headers = new LinkedHashMap<>();
        for (OpenApiOperation.Parameter p : op.parameters()) {
            JsonNode value = args.get(p.argument());
            if (value == null || value.isNull()) {
                if (p.required()) {
                    throw new InvalidArguments("missing required argument '" + p.argument() + "' (" + p.in() + " parameter)");
                }
                if (p.in().equals("path")) {
                    path = path.replace("{" + p.name() + "}", "");
                }
                continue;
            }
            switch (p.in()) {
                case "path" -> path = path.replace("{" + p.name() + "}", pathValue(p, value));
                case "query" -> query.add(queryValue(p, value));
                case "header" -> headers.put(p.name(), joined(value, p.explode(), ","));
                default -> cookies.add(p.name() + "=" + encode(joined(value, false, ",")));
            }
        }
        if (!cookies.isEmpty()) {
            headers.put("Cookie", String.join("; ", cookies));
        }
        String target = query.isEmpty() ? path : path + "?" + String.join("&", query);
        OpenApiOperation.Body body = op.body();
        if (body == null) {
            return new Prepared(target, headers, null, null);
        }
        JsonNode value = args.get(body.argument());
        if (value == null || value.isNull()) {
            if (body.required()) {
                throw new InvalidArguments("missing required argument '" + body.argument() + "' (the request body)");
            }
            return new Prepared(target, headers, null, null);
        }
        Buffer bytes = switch (body.kind()) {
            case JSON -> Buffer.buffer(value.toString());
            case FORM -> Buffer.buffer(form(value, body.argument()));
            case TEXT -> Buffer.buffer(value.isTextual() ? value.asText() : value.toString());
        };
        return new Prepared(target, headers, body.mediaType(), bytes);
    }

    private static String pathValue(OpenApiOperation.Parameter p, JsonNode value) {
        return switch (p.style()) {
            case "label" -> "." + joined(value, p.explode(), p.explode() ? "." : ",", true);
            case "matrix" -> matrix(p, value);
            default -> joined(value, p.explode(), ",", true);
        };
    }

    private static String matrix(OpenApiOperation.Parameter p, JsonNode value) {
        String name = encode(p.name());
        if (value.isArray() && p.explode()) {
            StringBuilder out = new StringBuilder();
            value.forEach(v -> out.append(';').append(name).append('=').append(encode(scalar(v))));
            return out.toString();
        }
        if (value.isObject() && p.explode()) {
            StringBuilder out = new StringBuilder();
            value.fields().forEachRemaining(
                    f -> out.append(';').append(encode(f.getKey())).append('=').append(encode(scalar(f.getValue()))));
            return out.toString();
        }
        return ";" + name + "=" + joined(value, false, ",", true);
    }

    private static String queryValue(OpenApiOperation.Parameter p, JsonNode value) {
        String name = encode(p.name());
        if (p.style().equals("deepObject") && value.isObject()) {
            List<String> parts = new ArrayList<>();
            value.fields().forEachRemaining(f -> parts.add(name + "%5B" + encode(f.getKey()) + "%5D="
                    + encode(scalar(f.getValue()))));
            return String.join("&", parts);
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(encode(scalar(v))));
            return switch (p.style()) {
                case "spaceDelimited" -> name + "=" + String.join("%20", items);
                case "pipeDelimited" -> name + "=" + String.join("%7C", items);
                default -> p.explode() ? name + "=" + String.join("&" + name + "=", items)
                        : name + "=" + String.join(",", items);
            };
        }
        if (value.isObject()) {
            List<String> parts = new ArrayList<>();
            value.fields().forEachRemaining(f -> parts.add(p.explode()
                    ? encode(f.getKey()) + "=" + encode(scalar(f.getValue()))
                    : encode(f.getKey()) + "," + encode(scalar(f.getValue()))));
            return p.explode() ? String.join("&", parts) : name + "=" + String.join(",", parts);
        }
        return name + "=" + encode(scalar(value));
    }

    /** The {@code simple} style, unencoded (header values). */
    private static String joined(JsonNode value, boolean explode, String separator) {
        return joined(value, explode, separator, false);
    }

    private static String joined(JsonNode value, boolean explode, String separator, boolean encoded) {
        List<String> parts = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(v -> parts.add(encoded ? encode(scalar(v)) : scalar(v)));
        } else if (value.isObject()) {
            value.fields().forEachRemaining(f -> {
                String k = encoded ? encode(f.getKey()) : f.getKey();
                String v = encoded ? encode(scalar(f.getValue())) : scalar(f.getValue());
                if (explode) {
                    parts.add(k + "=" + v);
                } else {
                    parts.add(k);
                    parts.add(v);
                }
            });
        } else {
            return encoded ? encode(scalar(value)) : scalar(value);
        }
        return String.join(separator, parts);
    }

    /** A value as text: strings as they are, nested arrays and objects as JSON. */
    private static String scalar(JsonNode v) {
        return v.isTextual() ? v.asText() : v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
    }

    private static String form(JsonNode value, String argument) throws InvalidArguments {
        if (!value.isObject()) {
            throw new InvalidArguments("argument '" + argument + "' must be an object (sent as form fields)");
        }
        List<String> fields = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = value.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isArray()) {
                f.getValue().forEach(v -> fields.add(encode(f.getKey()) + "=" + encode(scalar(v))));
            } else if (!f.getValue().isNull()) {
                fields.add(encode(f.getKey()) + "=" + encode(scalar(f.getValue())));
            }
        }
        return String.join("&", fields);
    }

    /** Percent-encodes all but RFC 3986's unreserved characters (UTF-8). */
    static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ the response as a tool result

    /**
     * The tool result for an HTTP response. 2xx: JSON as text content plus {@code structuredContent}
     * (an object as it is; anything else as {@code {"result": ...}}), images and audio as such,
     * other binary as an embedded resource, anything else as text. Not 2xx: {@code isError} with the
     * status and the body's text.
     */
    static ObjectNode result(int status, String reason, String contentType, Buffer body, String url) {
        ObjectNode result = JSON.objectNode();
        var content = result.putArray("content");
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        String text = body.toString(StandardCharsets.UTF_8);
        if (status / 100 != 2) {
            String head = "HTTP " + status + (reason == null || reason.isBlank() ? "" : " " + reason);
            content.addObject().put("type", "text").put("text", text.isBlank() ? head : head + ": " + text);
            result.put("isError", true);
            return result;
        }
        if (body.length() == 0) {
            content.addObject().put("type", "text").put("text", "HTTP " + status + " (no content)");
            return result;
        }
        JsonNode json = type.isEmpty() || isJson(type) ? parse(body) : null;
        if (json != null) {
            content.addObject().put("type", "text").put("text", text);
            result.set("structuredContent", json.isObject() ? json : JSON.objectNode().set("result", json));
        } else if (type.startsWith("image/") || type.startsWith("audio/")) {
            content.addObject().put("type", type.startsWith("image/") ? "image" : "audio")
                    .put("data", Base64.getEncoder().encodeToString(body.getBytes())).put("mimeType", mediaType(type));
        } else if (isText(type)) {
            content.addObject().put("type", "text").put("text", text);
        } else {
            ObjectNode resource = content.addObject().put("type", "resource").putObject("resource");
            resource.put("uri", url).put("mimeType", mediaType(type))
                    .put("blob", Base64.getEncoder().encodeToString(body.getBytes()));
        }
        return result;
    }

    private static JsonNode parse(Buffer body) {
        try {
            return JsonRpcCodec.parseTree(body.getBytes());
        } catch (JsonRpcException e) {
            return null;
        }
    }

    private static boolean isJson(String type) {
        String m = mediaType(type);
        return m.equals("application/json") || m.endsWith("+json");
    }

    private static boolean isText(String type) {
        String m = mediaType(type);
        return m.isEmpty() || m.startsWith("text/") || m.endsWith("xml") || m.endsWith("+xml") || isJson(type)
                || m.equals("application/javascript") || m.equals("application/x-www-form-urlencoded")
                || type.contains("charset=");
    }

    private static String mediaType(String type) {
        int semicolon = type.indexOf(';');
        return (semicolon >= 0 ? type.substring(0, semicolon) : type).strip();
    }
}
