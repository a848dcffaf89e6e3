package dev.mcpgateway.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads Envoy AI Gateway's {@code MCPRoute} format: a multi-document YAML file with one or more
 * {@code MCPRoute}s ({@code aigateway.envoyproxy.io/v1alpha1} or {@code v1beta1}), the
 * {@code Backend}s ({@code gateway.envoyproxy.io/v1alpha1}) and {@code BackendTLSPolicy}s they
 * use, and the {@code Secret}s and {@code ConfigMap}s that references name. Documents of other kinds
 * (Gateway, GatewayClass, EnvoyProxy, ...) are ignored, so a file written for {@code aigw run}
 * works as it is. Every string value that is used goes through {@code ${VAR}} substitution.
 * Errors name the file, the document, the field path and what was expected.
 */
public final class McpRouteParser {

    static final String SECRETS_DIR_ENV = "MCP_GATEWAY_SECRETS_DIR";
    /** The Secret key a backend apiKey's secretRef is read from, as in Envoy AI Gateway. */
    static final String API_KEY_SECRET_KEY = "apiKey";
    /** The ConfigMap key a localJWKS valueRef is read from, as in Envoy Gateway. */
    static final String JWKS_KEY = "jwks";
    /** The key holding a CA certificate bundle in a ConfigMap or Secret named by caCertificateRefs. */
    static final String CA_KEY = "ca.crt";
    /** aigw's convention: this annotation prefix plus a Secret key names the variable that replaces its value. */
    static final String SUBSTITUTION_ANNOTATION = "substitution.aigw.run/env/";

    private static final Set<String> ROUTE_VERSIONS = Set.of("aigateway.envoyproxy.io/v1alpha1",
            "aigateway.envoyproxy.io/v1beta1");
    private static final Set<String> BACKEND_VERSIONS = Set.of("gateway.envoyproxy.io/v1alpha1");
    private static final Set<String> TLS_POLICY_VERSIONS = Set.of("gateway.networking.k8s.io/v1alpha3",
            "gateway.networking.k8s.io/v1");
    private static final Set<String> CORE_VERSIONS = Set.of("v1");
    private static final String BACKEND_GROUP = "gateway.envoyproxy.io";
    private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String file;
    private final Function<String, String> env;
    private final EnvSubstitution substitution;
    private final List<Doc> docs = new ArrayList<>();

    private McpRouteParser(String file, Function<String, String> env) {
        this.file = file;
        this.env = env;
        this.substitution = new EnvSubstitution(env);
    }

    public static GatewayModel parse(Path path) throws ConfigException {
        return parse(path, System::getenv);
    }

    public static GatewayModel parse(Path path, Function<String, String> env) throws ConfigException {
        return parse(path.toString(), ConfigFiles.read(path), env);
    }

    public static GatewayModel parse(String fileName, String text, Function<String, String> env) throws ConfigException {
        McpRouteParser parser = new McpRouteParser(fileName, env);
        parser.read(text);
        return parser.model();
    }

    // ---------------------------------------------------------------- documents

    /** One YAML document: its position in the file and its Kubernetes identity. */
    private record Doc(int index, int line, String apiVersion, String kind, String name, String namespace, JsonNode node) {

        String label() {
            StringBuilder s = new StringBuilder("document ").append(index).append(" (");
            if (kind != null) {
                s.append(kind);
                if (name != null) {
                    s.append(' ').append(namespace == null ? "" : namespace + "/").append(name);
                }
                s.append(", ");
            }
            return s.append("line ").append(line).append(')').toString();
        }

        /** A document without a namespace matches any namespace. */
        boolean matches(String kindName, String objectName, String objectNamespace) {
            return kindName.equals(kind) && objectName.equals(name)
                    && (namespace == null || objectNamespace == null || namespace.equals(objectNamespace));
        }
    }

    private void read(String text) throws ConfigException {
        YAMLMapper yaml = new YAMLMapper();
        yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try (JsonParser p = yaml.getFactory().createParser(text);
                MappingIterator<JsonNode> it = yaml.readValues(p, JsonNode.class)) {
            int index = 0;
            while (it.hasNextValue()) {
                index++;
                int line = p.currentTokenLocation().getLineNr();
                JsonNode node = it.nextValue();
                if (node == null || node.isNull() || node.isMissingNode() || (node.isObject() && node.isEmpty())) {
                    continue;
                }
                docs.add(identify(index, Math.max(line, 1), node));
            }
        } catch (JsonProcessingException e) {
            throw yamlError(e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof JsonProcessingException jpe) {
                throw yamlError(jpe);
            }
            throw new ConfigException(file + ": invalid YAML: " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
    }

    private ConfigException yamlError(JsonProcessingException e) {
        var loc = e.getLocation();
        String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        return new ConfigException(file + ": invalid YAML" + where + ": " + e.getOriginalMessage());
    }

    private Doc identify(int index, int line, JsonNode node) throws ConfigException {
        Doc bare = new Doc(index, line, null, null, null, null, node);
        if (!node.isObject()) {
            throw new ConfigException(file + ": " + bare.label()
                    + ": expected a Kubernetes object with apiVersion, kind and metadata");
        }
        String kind = rawText(node, "kind", bare);
        String apiVersion = rawText(node, "apiVersion", bare);
        JsonNode metadata = node.get("metadata");
        String name = null;
        String namespace = null;
        if (metadata != null && metadata.isObject()) {
            name = rawText(metadata, "name", bare);
            namespace = rawText(metadata, "namespace", bare);
        }
        Doc doc = new Doc(index, line, apiVersion, kind, name, namespace, node);
        if (kind == null) {
            throw new ConfigException(file + ": " + doc.label() + ": kind: required");
        }
        Set<String> versions = switch (kind) {
            case "MCPRoute" -> ROUTE_VERSIONS;
            case "Backend" -> BACKEND_VERSIONS;
            case "BackendTLSPolicy" -> TLS_POLICY_VERSIONS;
            case "Secret", "ConfigMap" -> CORE_VERSIONS;
            default -> null;
        };
        if (versions == null) {
            return doc;
        }
        if (apiVersion == null || !versions.contains(apiVersion)) {
            throw new ConfigException(file + ": " + doc.label() + ": apiVersion: expected "
                    + String.join(" or ", sorted(versions))
                    + " for kind " + kind + ", got " + (apiVersion == null ? "none" : "\"" + apiVersion + "\""));
        }
        if (name == null) {
            throw new ConfigException(file + ": " + doc.label() + ": metadata.name: required");
        }
        for (Doc other : docs) {
            if (other.kind().equals(kind) && other.name() != null && other.name().equals(name)
                    && java.util.Objects.equals(other.namespace(), namespace)) {
                throw new ConfigException(file + ": " + doc.label() + ": duplicates " + other.label());
            }
        }
        return doc;
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    /** Identity fields, read before substitution applies (they only pick documents). */
    private String rawText(JsonNode node, String field, Doc doc) throws ConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            String path = node == doc.node() ? field : "metadata." + field;
            throw new ConfigException(file + ": " + doc.label() + ": " + path + ": expected a string");
        }
        return v.asText();
    }

    private GatewayModel model() throws ConfigException {
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Doc> byPath = new HashMap<>();
        for (Doc doc : docs) {
            if (!"MCPRoute".equals(doc.kind())) {
                continue;
            }
            RouteConfig route = route(doc);
            Doc previous = byPath.putIfAbsent(route.path(), doc);
            if (previous != null) {
                throw new ConfigException(file + ": " + doc.label() + ": spec.path: \"" + route.path()
                        + "\" is already served by " + previous.label() + "; give each MCPRoute its own path");
            }
            routes.add(route);
        }
        if (routes.isEmpty()) {
            throw new ConfigException(file + ": no MCPRoute document (kind: MCPRoute, apiVersion: "
                    + String.join(" or ", sorted(ROUTE_VERSIONS)) + ")");
        }
        return new GatewayModel(file, List.copyOf(routes));
    }

    // ---------------------------------------------------------------- MCPRoute

    private RouteConfig route(Doc doc) throws ConfigException {
        At root = new At(doc, "", doc.node());
        At spec = root.field("spec");
        spec.requireObject();
        spec.allowOnly("parentRefs", "path", "headers", "hostnames", "backendRefs", "securityPolicy", "backendSelector",
                "prefixMode");
        for (String unsupported : List.of("headers", "hostnames", "backendSelector")) {
            At f = spec.field(unsupported);
            if (f.present() && !(f.node().isArray() && f.node().isEmpty())) {
                throw f.error("not supported by this gateway (routes are selected by path only); remove it");
            }
        }
        At parentRefs = spec.field("parentRefs");
        for (At ref : parentRefs.list()) {
            ref.requireObject();
            At kind = ref.field("kind");
            if (kind.present() && !"Gateway".equals(kind.string())) {
                throw kind.error("expected Gateway, got \"" + kind.string() + "\"");
            }
        }
        String path = spec.field("path").optString("/mcp");
        if (!path.startsWith("/")) {
            throw spec.field("path").error("expected a path starting with /, got \"" + path + "\"");
        }
        PrefixMode prefix = PrefixMode.ALWAYS;
        At prefixNode = spec.field("prefixMode");
        if (prefixNode.present()) {
            prefix = McpServersParser.parsePrefix(prefixNode.string(), prefixNode.where());
        }
        At refs = spec.field("backendRefs");
        if (!refs.present() || !refs.node().isArray() || refs.node().isEmpty()) {
            throw refs.error("expected a non-empty list of backends");
        }
        List<BackendConfig> backends = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (At ref : refs.list()) {
            BackendConfig b = backendRef(ref, doc);
            if (!names.add(b.name())) {
                throw ref.field("name").error("\"" + b.name() + "\" appears twice; backend names must be unique in a route");
            }
            backends.add(b);
        }
        RouteSecurity security = security(spec.field("securityPolicy"), names, doc);
        return new RouteConfig(doc.name(), path, prefix, List.copyOf(backends), security);
    }

    private BackendConfig backendRef(At ref, Doc route) throws ConfigException {
        ref.requireObject();
        ref.allowOnly("name", "namespace", "kind", "group", "port", "path", "toolSelector", "securityPolicy", "forwardHeaders");
        At nameNode = ref.field("name");
        String name = nameNode.string();
        if (!BACKEND_NAME.matcher(name).matches() || name.contains("__")) {
            throw nameNode.error("\"" + name + "\" must match [A-Za-z0-9][A-Za-z0-9_.-]* without \"__\""
                    + " (it becomes the prefix <name>__<tool>)");
        }
        String namespace = ref.field("namespace").optString(namespaceOf(route));
        String kind = ref.field("kind").optString("Service");
        String group = ref.field("group").optString("");
        String path = ref.field("path").optString("/mcp");
        if (!path.startsWith("/")) {
            throw ref.field("path").error("expected a path starting with /, got \"" + path + "\"");
        }
        Endpoint endpoint = switch (kind) {
            case "Backend" -> {
                if (!group.equals(BACKEND_GROUP)) {
                    throw ref.field("group").error("expected " + BACKEND_GROUP + " for kind Backend, got \"" + group + "\"");
                }
                yield backend(ref, name, namespace);
            }
            case "Service" -> {
                if (!group.isEmpty() && !group.equals("core")) {
                    throw ref.field("group").error("expected \"\" (core) for kind Service, got \"" + group + "\"");
                }
                At port = ref.field("port");
                if (!port.present()) {
                    throw port.error("required for a Service reference");
                }
                // In-cluster DNS; the resolver's search path completes the cluster domain. With no
                // namespace on the reference or the route, the Service is in the gateway's own namespace.
                boolean anyNamespace = ref.field("namespace").present() || route.namespace() != null;
                yield endpoint(anyNamespace ? name + "." + namespace + ".svc" : name, port.port(), null);
            }
            default -> throw ref.field("kind").error("expected Backend (group " + BACKEND_GROUP
                    + ") or Service, got \"" + kind + "\"");
        };
        Map<String, String> headers = new LinkedHashMap<>();
        String query = null;
        At policy = ref.field("securityPolicy");
        if (policy.present()) {
            policy.requireObject();
            policy.allowOnly("apiKey");
            At apiKey = policy.field("apiKey");
            if (apiKey.present()) {
                apiKey.requireObject();
                apiKey.allowOnly("secretRef", "inline", "header", "queryParam");
                At secretRef = apiKey.field("secretRef");
                At inline = apiKey.field("inline");
                if (secretRef.present() == inline.present()) {
                    throw apiKey.error("expected exactly one of secretRef and inline");
                }
                At header = apiKey.field("header");
                At queryParam = apiKey.field("queryParam");
                if (header.present() && queryParam.present()) {
                    throw apiKey.error("expected at most one of header and queryParam");
                }
                String key = inline.present() ? inline.string() : secretRefValue(secretRef, namespace, API_KEY_SECRET_KEY);
                if (queryParam.present()) {
                    query = URLEncoder.encode(queryParam.string(), StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(key, StandardCharsets.UTF_8);
                } else {
                    String h = header.optString("Authorization");
                    if (!HEADER_NAME.matcher(h).matches()) {
                        throw header.error("not a valid header name: \"" + h + "\"");
                    }
                    // Envoy AI Gateway: the Authorization header gets the key as a bearer token.
                    headers.put(h, h.equalsIgnoreCase("Authorization") ? "Bearer " + key : key);
                }
            }
        }
        List<ForwardHeader> forward = new ArrayList<>();
        for (At f : ref.field("forwardHeaders").list()) {
            f.requireObject();
            f.allowOnly("name", "backendHeader");
            String from = f.field("name").string();
            String to = f.field("backendHeader").optString(from);
            for (String h : List.of(from, to)) {
                if (!HEADER_NAME.matcher(h).matches()) {
                    throw f.error("not a valid header name: \"" + h + "\"");
                }
            }
            forward.add(new ForwardHeader(from, to));
        }
        String url = endpoint.baseUrl() + path;
        if (query != null) {
            url += (url.contains("?") ? "&" : "?") + query;
        }
        ToolFilter tools = toolSelector(ref.field("toolSelector"));
        return new BackendConfig(name, TransportKind.STREAMABLE_HTTP, url, Map.copyOf(headers), null, List.of(), Map.of(),
                null, tools, McpServersParser.DEFAULT_TIMEOUT, List.copyOf(forward), endpoint.tls());
    }

    private static String namespaceOf(Doc doc) {
        return doc.namespace() == null ? "default" : doc.namespace();
    }

    /** The scheme, host and port of a backend, and how its certificate is checked (tls null: plain HTTP). */
    private record Endpoint(String host, int port, UpstreamTls tls) {

        String baseUrl() {
            String h = host.contains(":") ? "[" + host + "]" : host;
            return (tls != null ? "https://" : "http://") + h + ":" + port;
        }
    }

    /** Port 443 means TLS even without a tls setting: plain HTTP to it cannot work. */
    private static Endpoint endpoint(String host, int port, UpstreamTls tls) {
        return new Endpoint(host, port, tls == null && port == 443 ? UpstreamTls.DEFAULT : tls);
    }

    private ToolFilter toolSelector(At selector) throws ConfigException {
        if (!selector.present()) {
            return ToolFilter.ALLOW_ALL;
        }
        selector.requireObject();
        selector.allowOnly("include", "includeRegex", "exclude", "excludeRegex");
        List<String> include = selector.field("include").strings();
        List<Pattern> includeRegex = patterns(selector.field("includeRegex"));
        List<String> exclude = selector.field("exclude").strings();
        List<Pattern> excludeRegex = patterns(selector.field("excludeRegex"));
        if (include.isEmpty() && includeRegex.isEmpty() && exclude.isEmpty() && excludeRegex.isEmpty()) {
            return ToolFilter.ALLOW_ALL;
        }
        return new ToolFilter(Set.copyOf(include), includeRegex, Set.copyOf(exclude), excludeRegex);
    }

    /**
     * Envoy AI Gateway matches these with Go's {@code MatchString}, which finds the expression
     * anywhere in the name; {@link ToolFilter} matches whole names, so the expression is wrapped.
     */
    private List<Pattern> patterns(At list) throws ConfigException {
        List<Pattern> out = new ArrayList<>();
        int i = 0;
        for (String r : list.strings()) {
            try {
                Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                throw list.index(i).error("invalid regular expression \"" + r + "\": " + e.getDescription());
            }
            out.add(Pattern.compile("(?s).*(?:" + r + ").*"));
            i++;
        }
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------- Backend, BackendTLSPolicy

    private Endpoint backend(At ref, String name, String namespace) throws ConfigException {
        Doc doc = find("Backend", name, namespace);
        if (doc == null) {
            throw ref.field("name").error("no Backend named \"" + name + "\" (namespace " + namespace
                    + ") in this file; add a document with apiVersion: gateway.envoyproxy.io/v1alpha1, kind: Backend");
        }
        At spec = new At(doc, "", doc.node()).field("spec");
        spec.requireObject();
        At type = spec.field("type");
        if (type.present() && !"Endpoints".equals(type.string())) {
            throw type.error("expected Endpoints (the only Backend type this gateway supports), got \"" + type.string() + "\"");
        }
        At endpoints = spec.field("endpoints");
        if (!endpoints.present() || !endpoints.node().isArray() || endpoints.node().isEmpty()) {
            throw endpoints.error("expected a list with one endpoint (fqdn or ip)");
        }
        if (endpoints.node().size() > 1) {
            throw endpoints.error("expected one endpoint; this gateway does not balance between several (got "
                    + endpoints.node().size() + ")");
        }
        At endpoint = endpoints.index(0);
        endpoint.requireObject();
        String host;
        At port;
        if (endpoint.field("fqdn").present()) {
            At fqdn = endpoint.field("fqdn");
            fqdn.requireObject();
            host = fqdn.field("hostname").string();
            port = fqdn.field("port");
        } else if (endpoint.field("ip").present()) {
            At ip = endpoint.field("ip");
            ip.requireObject();
            host = ip.field("address").string();
            port = ip.field("port");
        } else if (endpoint.field("unix").present()) {
            throw endpoint.field("unix").error("Unix socket endpoints are not supported; use fqdn or ip");
        } else {
            throw endpoint.error("expected fqdn {hostname, port} or ip {address, port}");
        }
        if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
            throw endpoint.error("not a valid host: \"" + host + "\"");
        }
        int portNumber = port.port();
        UpstreamTls tls = backendTls(spec.field("tls"));
        Doc policy = tlsPolicyFor(name, doc.namespace() == null ? namespace : doc.namespace());
        if (policy != null) {
            UpstreamTls fromPolicy = tlsPolicy(policy);
            tls = tls == null ? fromPolicy : merge(tls, fromPolicy);
        }
        Endpoint e = endpoint(host, portNumber, tls);
        try {
            new URI(e.baseUrl());
        } catch (URISyntaxException ex) {
            throw endpoint.error("not a valid host: \"" + host + "\"");
        }
        return e;
    }

    /** The Backend's own {@code spec.tls} (Envoy Gateway BackendTLSSettings); null when absent. */
    private UpstreamTls backendTls(At tls) throws ConfigException {
        if (!tls.present()) {
            return null;
        }
        tls.requireObject();
        boolean insecure = tls.field("insecureSkipVerify").bool(false);
        List<String> cas = caCertificates(tls.field("caCertificateRefs"), tls.doc());
        At sni = tls.field("sni");
        return new UpstreamTls(cas, sni.present() ? sni.string() : null, insecure);
    }

    private Doc tlsPolicyFor(String backend, String namespace) throws ConfigException {
        for (Doc doc : docs) {
            if (!"BackendTLSPolicy".equals(doc.kind())
                    || (doc.namespace() != null && namespace != null && !doc.namespace().equals(namespace))) {
                continue;
            }
            At targets = new At(doc, "", doc.node()).field("spec").field("targetRefs");
            for (At t : targets.list()) {
                t.requireObject();
                if ("Backend".equals(t.field("kind").optString("")) && BACKEND_GROUP.equals(t.field("group").optString(""))
                        && backend.equals(t.field("name").optString(""))) {
                    return doc;
                }
            }
        }
        return null;
    }

    private UpstreamTls tlsPolicy(Doc doc) throws ConfigException {
        At validation = new At(doc, "", doc.node()).field("spec").field("validation");
        if (!validation.present()) {
            return UpstreamTls.DEFAULT;
        }
        validation.requireObject();
        List<String> cas = caCertificates(validation.field("caCertificateRefs"), doc);
        At wellKnown = validation.field("wellKnownCACertificates");
        if (wellKnown.present() && !"System".equals(wellKnown.string())) {
            throw wellKnown.error("expected System, got \"" + wellKnown.string() + "\"");
        }
        At hostname = validation.field("hostname");
        return new UpstreamTls(cas, hostname.present() ? hostname.string() : null, false);
    }

    private static UpstreamTls merge(UpstreamTls own, UpstreamTls policy) {
        List<String> cas = new ArrayList<>(own.caCertificates());
        cas.addAll(policy.caCertificates());
        return new UpstreamTls(List.copyOf(cas), own.serverName() != null ? own.serverName() : policy.serverName(),
                own.insecureSkipVerify());
    }

    private List<String> caCertificates(At refs, Doc doc) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (At ref : refs.list()) {
            ref.requireObject();
            String kind = ref.field("kind").optString("ConfigMap");
            String name = ref.field("name").string();
            String ns = doc.namespace();
            String pem = switch (kind) {
                case "ConfigMap" -> configMapValue(ref, name, ns, CA_KEY);
                case "Secret" -> secretValue(ref, name, ns, CA_KEY);
                default -> throw ref.field("kind").error("expected ConfigMap or Secret, got \"" + kind + "\"");
            };
            if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
                throw ref.error("\"" + CA_KEY + "\" of " + kind + " \"" + name + "\" holds no PEM certificate");
            }
            out.add(pem);
        }
        return List.copyOf(out);
    }

    private Doc find(String kind, String name, String namespace) {
        for (Doc doc : docs) {
            if (doc.matches(kind, name, namespace)) {
                return doc;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- Secrets and ConfigMaps

    /** The value of a {@code secretRef} (a Gateway API SecretObjectReference). */
    private String secretRefValue(At ref, String defaultNamespace, String key) throws ConfigException {
        ref.requireObject();
        ref.allowOnly("name", "namespace", "kind", "group");
        At kind = ref.field("kind");
        if (kind.present() && !"Secret".equals(kind.string())) {
            throw kind.error("expected Secret, got \"" + kind.string() + "\"");
        }
        String name = ref.field("name").string();
        String ns = ref.field("namespace").optString(defaultNamespace);
        return secretValue(ref, name, ns, key);
    }

    /**
     * One key of a Secret: from a Secret document in the file, else the file
     * {@code $MCP_GATEWAY_SECRETS_DIR/NAME/KEY} (a mounted Secret), else an environment variable
     * (the Secret's name in upper case with {@code _} for other characters, plus {@code _KEY} unless
     * the key is {@code apiKey}).
     */
    private String secretValue(At where, String name, String namespace, String key) throws ConfigException {
        Doc doc = find("Secret", name, namespace);
        if (doc != null) {
            Map<String, String> values = secretData(doc);
            String v = values.get(key);
            if (v == null) {
                throw where
                        .error(doc.label() + " has no key \"" + key + "\" (keys: " + String.join(", ", values.keySet()) + ")");
            }
            return v;
        }
        String dir = env.apply(SECRETS_DIR_ENV);
        if (dir != null && !dir.isEmpty()) {
            Path f = Path.of(dir, name, key);
            if (Files.isRegularFile(f)) {
                return readSecretFile(where, f);
            }
        }
        String var = envName(name) + (key.equals(API_KEY_SECRET_KEY) ? "" : "_" + envName(key));
        String v = env.apply(var);
        if (v != null) {
            return v;
        }
        throw where.error("Secret \"" + name + "\" not found: add a Secret document with key \"" + key
                + "\" to the file, set " + var + ", or create $" + SECRETS_DIR_ENV + "/" + name + "/" + key);
    }

    /** Every key of a Secret (for API key credentials), from a document or a mounted directory. */
    private Map<String, String> wholeSecret(At where, String name, String namespace) throws ConfigException {
        Doc doc = find("Secret", name, namespace);
        if (doc != null) {
            return secretData(doc);
        }
        String dir = env.apply(SECRETS_DIR_ENV);
        if (dir != null && !dir.isEmpty() && Files.isDirectory(Path.of(dir, name))) {
            Map<String, String> out = new TreeMap<>();
            try (Stream<Path> files = Files.list(Path.of(dir, name))) {
                for (Path f : files.toList()) {
                    String key = f.getFileName().toString();
                    // Mounted Secrets also hold ..data and timestamped directories.
                    if (!key.startsWith(".") && Files.isRegularFile(f)) {
                        out.put(key, readSecretFile(where, f));
                    }
                }
            } catch (IOException e) {
                throw where.error("cannot read " + Path.of(dir, name) + ": " + e.getMessage());
            }
            return out;
        }
        throw where.error("Secret \"" + name + "\" not found: add a Secret document to the file or mount it at $"
                + SECRETS_DIR_ENV + "/" + name + "/");
    }

    private static String readSecretFile(At where, Path f) throws ConfigException {
        try {
            String v = Files.readString(f);
            // Files written by hand usually end with a newline that is not part of the secret.
            return v.endsWith("\r\n") ? v.substring(0, v.length() - 2) : v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
        } catch (IOException e) {
            throw where.error("cannot read " + f + ": " + e.getMessage());
        }
    }

    static String envName(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private Map<String, String> secretData(Doc doc) throws ConfigException {
        At root = new At(doc, "", doc.node());
        Map<String, String> values = new TreeMap<>();
        At data = root.field("data");
        for (Map.Entry<String, At> e : data.entries()) {
            String encoded = e.getValue().string();
            try {
                values.put(e.getKey(), new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException ex) {
                throw e.getValue().error("expected base64 (use stringData for plain text)");
            }
        }
        for (Map.Entry<String, At> e : root.field("stringData").entries()) {
            values.put(e.getKey(), e.getValue().string());
        }
        for (Map.Entry<String, At> e : root.field("metadata").field("annotations").entries()) {
            if (e.getKey().startsWith(SUBSTITUTION_ANNOTATION)) {
                String key = e.getKey().substring(SUBSTITUTION_ANNOTATION.length());
                String var = e.getValue().string();
                String v = env.apply(var);
                if (v == null) {
                    throw e.getValue().error("environment variable " + var + " is not set (it supplies key \"" + key + "\")");
                }
                values.put(key, v);
            }
        }
        return values;
    }

    private String configMapValue(At where, String name, String namespace, String key) throws ConfigException {
        Doc doc = find("ConfigMap", name, namespace);
        if (doc == null) {
            throw where.error("no ConfigMap named \"" + name + "\" in this file");
        }
        At value = new At(doc, "", doc.node()).field("data").field(key);
        if (!value.present()) {
            throw where.error(doc.label() + " has no key \"" + key + "\" in data");
        }
        return value.string();
    }

    // ---------------------------------------------------------------- securityPolicy

    private RouteSecurity security(At policy, Set<String> backends, Doc doc) throws ConfigException {
        if (!policy.present()) {
            return RouteSecurity.NONE;
        }
        policy.requireObject();
        policy.allowOnly("oauth", "apiKeyAuth", "extAuth", "authorization");
        if (policy.field("extAuth").present()) {
            throw policy.field("extAuth").error("external authorization is not supported by this gateway; remove it");
        }
        OAuthConfig oauth = policy.field("oauth").present() ? oauth(policy.field("oauth")) : null;
        ApiKeyAuthConfig apiKeys = policy.field("apiKeyAuth").present()
                ? apiKeyAuth(policy.field("apiKeyAuth"), namespaceOf(doc))
                : null;
        AuthorizationConfig authorization = policy.field("authorization").present()
                ? authorization(policy.field("authorization"), backends, oauth != null)
                : null;
        return new RouteSecurity(oauth, apiKeys, authorization);
    }

    private OAuthConfig oauth(At oauth) throws ConfigException {
        oauth.requireObject();
        oauth.allowOnly("issuer", "audiences", "jwks", "protectedResourceMetadata", "claimToHeaders");
        String issuer = httpUrl(oauth.field("issuer"));
        List<String> audiences = oauth.field("audiences").strings();
        OAuthConfig.Jwks jwks = null;
        At jwksNode = oauth.field("jwks");
        if (jwksNode.present()) {
            jwksNode.requireObject();
            jwksNode.allowOnly("remoteJWKS", "localJWKS");
            At remote = jwksNode.field("remoteJWKS");
            At local = jwksNode.field("localJWKS");
            if (remote.present() == local.present()) {
                throw jwksNode.error("expected exactly one of remoteJWKS and localJWKS");
            }
            if (remote.present()) {
                remote.requireObject();
                jwks = new OAuthConfig.Jwks(httpUrl(remote.field("uri")), null);
            } else {
                local.requireObject();
                local.allowOnly("type", "inline", "valueRef");
                String type = local.field("type").optString(local.field("inline").present() ? "Inline" : "ValueRef");
                String json = switch (type) {
                    case "Inline" -> local.field("inline").string();
                    case "ValueRef" -> {
                        At ref = local.field("valueRef");
                        ref.requireObject();
                        String kind = ref.field("kind").optString("ConfigMap");
                        if (!kind.equals("ConfigMap")) {
                            throw ref.field("kind").error("expected ConfigMap, got \"" + kind + "\"");
                        }
                        yield configMapValue(ref, ref.field("name").string(), local.doc().namespace(), JWKS_KEY);
                    }
                    default -> throw local.field("type").error("expected Inline or ValueRef, got \"" + type + "\"");
                };
                try {
                    JsonNode set = JSON.readTree(json);
                    if (set == null || !set.path("keys").isArray()) {
                        throw new IllegalArgumentException();
                    }
                } catch (JsonProcessingException | IllegalArgumentException e) {
                    throw local.error("expected a JWK set ({\"keys\": [...]})");
                }
                jwks = new OAuthConfig.Jwks(null, json);
            }
        }
        At prm = oauth.field("protectedResourceMetadata");
        prm.requireObject();
        prm.allowOnly("resource", "resourceName", "scopesSupported", "resourceSigningAlgValuesSupported",
                "resourceDocumentation", "resourcePolicyUri");
        var metadata = new OAuthConfig.ProtectedResourceMetadata(
                httpUrl(prm.field("resource")),
                prm.field("resourceName").optString(null),
                prm.field("scopesSupported").strings(),
                prm.field("resourceSigningAlgValuesSupported").strings(),
                prm.field("resourceDocumentation").present() ? httpUrl(prm.field("resourceDocumentation")) : null,
                prm.field("resourcePolicyUri").present() ? httpUrl(prm.field("resourcePolicyUri")) : null);
        List<OAuthConfig.ClaimToHeader> claims = new ArrayList<>();
        for (At c : oauth.field("claimToHeaders").list()) {
            c.requireObject();
            c.allowOnly("claim", "header");
            String header = c.field("header").string();
            if (!HEADER_NAME.matcher(header).matches()) {
                throw c.field("header").error("not a valid header name: \"" + header + "\"");
            }
            claims.add(new OAuthConfig.ClaimToHeader(c.field("claim").string(), header));
        }
        return new OAuthConfig(issuer, audiences, jwks, metadata, List.copyOf(claims));
    }

    private ApiKeyAuthConfig apiKeyAuth(At auth, String namespace) throws ConfigException {
        auth.requireObject();
        auth.allowOnly("credentialRefs", "extractFrom", "forwardClientIDHeader", "sanitize");
        At refs = auth.field("credentialRefs");
        if (!refs.present() || refs.list().isEmpty()) {
            throw refs.error("expected a non-empty list of Secrets (client id -> API key)");
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (At ref : refs.list()) {
            ref.requireObject();
            ref.allowOnly("name", "namespace", "kind", "group");
            keys.putAll(wholeSecret(ref, ref.field("name").string(), ref.field("namespace").optString(namespace)));
        }
        if (keys.isEmpty()) {
            throw refs.error("the referenced Secrets hold no keys");
        }
        List<String> headers = new ArrayList<>();
        List<String> params = new ArrayList<>();
        At extract = auth.field("extractFrom");
        if (!extract.present() || extract.list().isEmpty()) {
            throw extract.error("expected a list of {headers: [...]} or {params: [...]}");
        }
        for (At e : extract.list()) {
            e.requireObject();
            e.allowOnly("headers", "params", "cookies");
            if (e.field("cookies").present()) {
                throw e.field("cookies").error("API keys in cookies are not supported; use headers or params");
            }
            headers.addAll(e.field("headers").strings());
            params.addAll(e.field("params").strings());
        }
        At clientId = auth.field("forwardClientIDHeader");
        return new ApiKeyAuthConfig(Map.copyOf(keys), List.copyOf(headers), List.copyOf(params),
                clientId.present() ? clientId.string() : null, auth.field("sanitize").bool(false));
    }

    private AuthorizationConfig authorization(At auth, Set<String> backends, boolean hasOAuth) throws ConfigException {
        auth.requireObject();
        auth.allowOnly("defaultAction", "rules");
        AuthorizationConfig.Action defaultAction = action(auth.field("defaultAction"), AuthorizationConfig.Action.DENY);
        List<AuthorizationConfig.Rule> rules = new ArrayList<>();
        for (At r : auth.field("rules").list()) {
            r.requireObject();
            r.allowOnly("source", "target", "cel", "action");
            if (r.field("cel").present()) {
                throw r.field("cel").error("CEL expressions are not supported by this gateway; use source and target");
            }
            AuthorizationConfig.JwtSource source = null;
            At s = r.field("source");
            if (s.present()) {
                s.requireObject();
                s.allowOnly("jwt");
                At jwt = s.field("jwt");
                jwt.requireObject();
                jwt.allowOnly("scopes", "claims");
                if (!hasOAuth) {
                    throw jwt.error("needs securityPolicy.oauth (tokens are only checked on an OAuth route)");
                }
                List<AuthorizationConfig.JwtClaim> claims = new ArrayList<>();
                for (At c : jwt.field("claims").list()) {
                    c.requireObject();
                    c.allowOnly("name", "valueType", "values");
                    String name = c.field("name").string();
                    if (name.equals("scope")) {
                        throw c.field("name").error("\"scope\" is reserved; use jwt.scopes");
                    }
                    String type = c.field("valueType").optString("String");
                    AuthorizationConfig.ClaimType valueType = switch (type) {
                        case "String" -> AuthorizationConfig.ClaimType.STRING;
                        case "StringArray" -> AuthorizationConfig.ClaimType.STRING_ARRAY;
                        default -> throw c.field("valueType").error("expected String or StringArray, got \"" + type + "\"");
                    };
                    List<String> values = c.field("values").strings();
                    if (values.isEmpty()) {
                        throw c.field("values").error("expected at least one value");
                    }
                    claims.add(new AuthorizationConfig.JwtClaim(name, valueType, values));
                }
                List<String> scopes = jwt.field("scopes").strings();
                if (scopes.isEmpty() && claims.isEmpty()) {
                    throw jwt.error("expected scopes or claims");
                }
                source = new AuthorizationConfig.JwtSource(scopes, List.copyOf(claims));
            }
            List<AuthorizationConfig.ToolTarget> tools = new ArrayList<>();
            At target = r.field("target");
            if (target.present()) {
                target.requireObject();
                target.allowOnly("tools");
                At list = target.field("tools");
                if (list.list().isEmpty()) {
                    throw list.error("expected a non-empty list of {backend, tool}");
                }
                for (At t : list.list()) {
                    t.requireObject();
                    t.allowOnly("backend", "tool");
                    String backend = t.field("backend").string();
                    if (!backends.contains(backend)) {
                        throw t.field("backend").error("no backend \"" + backend + "\" in this route (backends: "
                                + String.join(", ", backends) + ")");
                    }
                    tools.add(new AuthorizationConfig.ToolTarget(backend, t.field("tool").string()));
                }
            }
            rules.add(new AuthorizationConfig.Rule(source, List.copyOf(tools),
                    action(r.field("action"), AuthorizationConfig.Action.ALLOW)));
        }
        return new AuthorizationConfig(defaultAction, List.copyOf(rules));
    }

    private static AuthorizationConfig.Action action(At node, AuthorizationConfig.Action fallback) throws ConfigException {
        if (!node.present()) {
            return fallback;
        }
        return switch (node.string()) {
            case "Allow" -> AuthorizationConfig.Action.ALLOW;
            case "Deny" -> AuthorizationConfig.Action.DENY;
            default -> throw node.error("expected Allow or Deny, got \"" + node.string() + "\"");
        };
    }

    private static String httpUrl(At node) throws ConfigException {
        String v = node.string();
        try {
            URI uri = new URI(v);
            if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(v, "not absolute");
            }
        } catch (URISyntaxException e) {
            throw node.error("expected an http:// or https:// URL, got \"" + v + "\"");
        }
        return v;
    }

    // ---------------------------------------------------------------- field access

    /** A value in a document, with the field path that leads to it (for error messages). */
    private final class At {

        private final Doc doc;
        private final String path;
        private final JsonNode node;

        At(Doc doc, String path, JsonNode node) {
            this.doc = doc;
            this.path = path;
            this.node = node;
        }

        Doc doc() {
            return doc;
        }

        JsonNode node() {
            return node;
        }

        boolean present() {
            return node != null && !node.isNull() && !node.isMissingNode();
        }

        At field(String name) {
            JsonNode child = node != null && node.isObject() ? node.get(name) : null;
            String step = name.contains(".") || name.contains("/") ? "[\"" + name + "\"]" : (path.isEmpty() ? "" : ".") + name;
            return new At(doc, path + step, child);
        }

        At index(int i) {
            return new At(doc, path + "[" + i + "]", node != null && node.isArray() ? node.get(i) : null);
        }

        String where() {
            return file + ": " + doc.label() + ": " + path;
        }

        ConfigException error(String message) {
            return new ConfigException(where() + ": " + message);
        }

        void requireObject() throws ConfigException {
            if (!present()) {
                throw error("required");
            }
            if (!node.isObject()) {
                throw error("expected an object");
            }
        }

        /** Unknown fields are usually typos that would otherwise be ignored silently. */
        void allowOnly(String... fields) throws ConfigException {
            Set<String> allowed = Set.of(fields);
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (!allowed.contains(n)) {
                    throw field(n).error("unknown field; expected one of " + String.join(", ", fields));
                }
            }
        }

        String string() throws ConfigException {
            if (!present()) {
                throw error("required");
            }
            if (!node.isTextual()) {
                throw error("expected a string" + (node.isValueNode() ? " (quote the value)" : ""));
            }
            return sub(node.asText());
        }

        String optString(String fallback) throws ConfigException {
            return present() ? string() : fallback;
        }

        boolean bool(boolean fallback) throws ConfigException {
            if (!present()) {
                return fallback;
            }
            if (node.isBoolean()) {
                return node.asBoolean();
            }
            if (node.isTextual()) {
                String v = sub(node.asText());
                if (v.equals("true") || v.equals("false")) {
                    return Boolean.parseBoolean(v);
                }
            }
            throw error("expected true or false");
        }

        /** A port: a number, or a string such as "${PORT:-3001}" that becomes one. */
        int port() throws ConfigException {
            if (!present()) {
                throw error("required");
            }
            String text = node.isTextual() ? sub(node.asText()).trim() : node.isIntegralNumber() ? node.asText() : null;
            try {
                int p = text == null ? -1 : Integer.parseInt(text);
                if (p >= 1 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error("expected a port number 1-65535, got " + (text == null ? node.toString() : "\"" + text + "\""));
        }

        List<At> list() throws ConfigException {
            if (!present()) {
                return List.of();
            }
            if (!node.isArray()) {
                throw error("expected a list");
            }
            List<At> out = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                out.add(index(i));
            }
            return out;
        }

        List<String> strings() throws ConfigException {
            List<String> out = new ArrayList<>();
            for (At item : list()) {
                out.add(item.string());
            }
            return List.copyOf(out);
        }

        /** The fields of an object of strings, in file order. */
        List<Map.Entry<String, At>> entries() throws ConfigException {
            if (!present()) {
                return List.of();
            }
            if (!node.isObject()) {
                throw error("expected an object");
            }
            List<Map.Entry<String, At>> out = new ArrayList<>();
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                out.add(Map.entry(n, field(n)));
            }
            return out;
        }

        private String sub(String value) throws ConfigException {
            try {
                return substitution.apply(value);
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }
    }
}
