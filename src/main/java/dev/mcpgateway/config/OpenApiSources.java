package dev.mcpgateway.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.servers.ServerVariable;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

/**
 * Reads the OpenAPI document of a backend of type {@code openapi} when the configuration is
 * loaded, so a document that cannot be read or holds no operation is a configuration error at
 * start and a refused reload, like any other. A relative file path is resolved against the
 * configuration file's folder; an {@code http(s)://} document is fetched (without the backend's
 * headers). External {@code $ref}s are resolved by the parser.
 */
final class OpenApiSources {

    /** How many of the parser's messages an error quotes. */
    private static final int MAX_MESSAGES = 5;

    private OpenApiSources() {
    }

    /**
     * An mcp-servers.json server of type {@code openapi}: {@code "openapi"} names the document,
     * {@code "baseUrl"} where its operations are called (default: the document's first server).
     */
    static OpenApiSource server(Node server, String file) throws ConfigException {
        if (server.field("url").present()) {
            throw server.field("url").error("not for an openapi server: name the REST API's URL with \"baseUrl\"");
        }
        return load(server.field("openapi"), server.field("baseUrl"), file);
    }

    /**
     * An MCPRoute {@code backendRefs[]} entry's {@code openapi: {document, baseUrl}}; null when the
     * entry has none (an MCP backend).
     */
    static OpenApiSource backendRef(Node ref, String file) throws ConfigException {
        Node openapi = ref.field("openapi");
        if (!openapi.present()) {
            return null;
        }
        // The Kubernetes API fills in the CRD's defaults (kind Service, group "", path /mcp): those may stay.
        Map<String, String> defaults = Map.of("kind", "Service", "group", "", "path", "/mcp");
        for (String other : List.of("kind", "group", "port", "path")) {
            Node field = ref.field(other);
            if (field.present() && !(field.node().isTextual() && field.node().asText().equals(defaults.get(other)))) {
                throw field.error("not for a backend with openapi: its operations are called at openapi.baseUrl");
            }
        }
        openapi.requireObject();
        openapi.allowOnly("document", "baseUrl");
        return load(openapi.field("document"), openapi.field("baseUrl"), file);
    }

    private static OpenApiSource load(Node documentField, Node baseUrlField, String file) throws ConfigException {
        String document = documentField.string();
        boolean remote = document.startsWith("http://") || document.startsWith("https://");
        String location = document;
        if (!remote) {
            Path path = Path.of(document.startsWith("file:") ? URI.create(document).getPath() : document);
            if (!path.isAbsolute()) {
                Path dir = Path.of(file).toAbsolutePath().getParent();
                path = dir == null ? path.toAbsolutePath() : dir.resolve(path);
            }
            if (!Files.isRegularFile(path)) {
                throw documentField.error("no OpenAPI document at " + path);
            }
            location = path.toString();
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result;
        try {
            result = new OpenAPIParser().readLocation(location, null, options);
        } catch (RuntimeException e) {
            throw documentField.error("cannot read the OpenAPI document " + document + ": " + e);
        }
        OpenAPI api = result == null ? null : result.getOpenAPI();
        List<String> messages = result == null || result.getMessages() == null ? List.of() : result.getMessages();
        if (api == null || api.getOpenapi() == null) {
            if (messages.isEmpty() && !remote) {
                messages = syntaxError(Path.of(location));
            }
            throw documentField.error("cannot read the OpenAPI document " + document + " (an OpenAPI 3.0 or 3.1 document"
                    + " in JSON or YAML expected)" + quote(messages));
        }
        List<OpenApiOperation> operations = OpenApiOperations.map(api);
        if (operations.isEmpty()) {
            throw documentField.error("the OpenAPI document " + document + " has no operations" + quote(messages));
        }
        String baseUrl = baseUrlField.present() ? baseUrlField.string() : fromServers(api, remote ? document : null);
        if (baseUrl == null) {
            throw baseUrlField.error("required: the document names no absolute server URL to call its operations at");
        }
        checkUrl(baseUrlField, baseUrl);
        String title = api.getInfo() == null ? null : api.getInfo().getTitle();
        String version = api.getInfo() == null ? null : api.getInfo().getVersion();
        return new OpenApiSource(document, stripSlash(baseUrl), title, version, operations);
    }

    /** The document's first server, its variables at their defaults, resolved against the document's URL. */
    private static String fromServers(OpenAPI api, String documentUrl) {
        if (api.getServers() == null || api.getServers().isEmpty()) {
            return null;
        }
        Server server = api.getServers().get(0);
        String url = server.getUrl();
        if (url == null) {
            return null;
        }
        if (server.getVariables() != null) {
            for (Map.Entry<String, ServerVariable> v : server.getVariables().entrySet()) {
                if (v.getValue() != null && v.getValue().getDefault() != null) {
                    url = url.replace("{" + v.getKey() + "}", v.getValue().getDefault());
                }
            }
        }
        if (url.startsWith("http://") || url.startsWith("https://")) {
            return url;
        }
        if (documentUrl == null || url.contains("{")) {
            return null;
        }
        try {
            return URI.create(documentUrl).resolve(url).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void checkUrl(Node where, String url) throws ConfigException {
        if (!(url.startsWith("http://") || url.startsWith("https://"))) {
            throw where.error("expected an http:// or https:// URL, got \"" + url + "\"");
        }
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw where.error("not a valid base URL (scheme, host, optional port and path): \"" + url + "\"");
        }
    }

    /** Why a file is not JSON or YAML at all (the parser only says that it read nothing). */
    private static List<String> syntaxError(Path file) {
        try {
            new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            return List.of();
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            return List.of(e.getOriginalMessage().replaceAll("\\s*\\n\\s*", " ") + (where == null ? ""
                    : " at line " + where.getLineNr() + ", column " + where.getColumnNr()));
        } catch (IOException | RuntimeException e) {
            return List.of(String.valueOf(e.getMessage()));
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String quote(List<String> messages) {
        if (messages.isEmpty()) {
            return "";
        }
        List<String> some = messages.size() > MAX_MESSAGES ? messages.subList(0, MAX_MESSAGES) : messages;
        return ": " + String.join("; ", some) + (messages.size() > MAX_MESSAGES ? "; ..." : "");
    }
}
