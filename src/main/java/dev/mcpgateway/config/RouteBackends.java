package dev.mcpgateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.mcpgateway.config.RouteDocuments.Doc;

/**
 * The backends of an MCPRoute: {@code backendRefs[]} and what they lead to, a {@code Backend}
 * document (with its TLS settings and any {@code BackendTLSPolicy}) or a Kubernetes Service.
 */
final class RouteBackends {

    /** The key holding a CA certificate bundle in a ConfigMap or Secret named by caCertificateRefs. */
    static final String CA_KEY = "ca.crt";
    private static final String BACKEND_GROUP = "gateway.envoyproxy.io";

    private final RouteDocuments docs;

    RouteBackends(RouteDocuments docs) {
        this.docs = docs;
    }

    /** The scheme, host and port of a backend, and how its certificate is checked (tls null: plain HTTP). */
    private record Endpoint(String host, int port, UpstreamTls tls) {

        /** Port 443 means TLS even without a tls setting: plain HTTP to it cannot work. */
        static Endpoint of(String host, int port, UpstreamTls tls) {
            return new Endpoint(host, port, tls == null && port == 443 ? UpstreamTls.DEFAULT : tls);
        }

        String baseUrl() {
            String h = host.contains(":") ? "[" + host + "]" : host;
            return (tls != null ? "https://" : "http://") + h + ":" + port;
        }
    }

    /** One {@code backendRefs[]} entry of {@code route}, whose name was checked already. */
    BackendConfig backendRef(Node ref, Doc route, String name) throws ConfigException {
        String namespace = ref.field("namespace").optString(route.namespaceOrDefault());
        String kind = ref.field("kind").optString("Service");
        String group = ref.field("group").optString("");
        String path = ref.field("path").optString("/mcp");
        if (!path.startsWith("/")) {
            throw ref.field("path").error("expected a path starting with /, got \"" + path + "\"");
        }
        OpenApiSource openapi = OpenApiSources.backendRef(ref, docs.file());
        Endpoint endpoint = openapi != null ? null : switch (kind) {
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
                Node port = ref.field("port");
                if (!port.present()) {
                    throw port.error("required for a Service reference");
                }
                // In-cluster DNS; the resolver's search path completes the cluster domain. With no
                // namespace on the reference or the route, the Service is in the gateway's own namespace.
                boolean anyNamespace = ref.field("namespace").present() || route.namespace() != null;
                yield Endpoint.of(anyNamespace ? name + "." + namespace + ".svc" : name, port.port(), null);
            }
            default -> throw ref.field("kind").error("expected Backend (group " + BACKEND_GROUP
                    + ") or Service, got \"" + kind + "\"");
        };
        Map<String, String> headers = new LinkedHashMap<>();
        String url = openapi != null ? openapi.baseUrl() : endpoint.baseUrl() + path;
        String query = apiKey(ref.field("securityPolicy"), name, namespace, headers);
        if (query != null) {
            url += (url.contains("?") ? "&" : "?") + query;
        }
        List<ForwardHeader> forward = new ArrayList<>();
        for (Node f : ref.field("forwardHeaders").list()) {
            f.requireObject();
            f.allowOnly("name", "backendHeader");
            String from = f.field("name").string();
            String to = f.field("backendHeader").optString(from);
            // An MCPRoute has no passthrough of the caller's token.
            HeaderRules.checkForwarded(f, name, from, to, false);
            forward.add(new ForwardHeader(from, to));
        }
        return new BackendConfig(name, openapi != null ? TransportKind.OPENAPI : TransportKind.STREAMABLE_HTTP, url,
                Map.copyOf(headers), null, List.of(), Map.of(), null, toolSelector(ref.field("toolSelector")),
                BackendRules.DEFAULT_TIMEOUT, List.copyOf(forward), openapi != null ? UpstreamTls.DEFAULT : endpoint.tls())
                .withToolOverrides(ToolOverrideRules.parse(ref.field("toolOverrides")))
                .withResilience(Resiliences.parse(ref)).withOpenApi(openapi)
                .withCache(ResultCachePolicies.parse(ref.field("cache")));
    }

    /**
     * The backend's {@code securityPolicy.oauthClient}: each caller's own grant from the backend's
     * authorization server ({@code user_oauth}); null when absent. The client secret comes from
     * {@code clientSecretRef} (key {@code clientSecret}) or inline {@code clientSecret}.
     */
    RouteSecurity.UpstreamAuth oauthClient(Node ref, Doc route) throws ConfigException {
        Node client = ref.field("securityPolicy").field("oauthClient");
        if (!client.present()) {
            return null;
        }
        client.requireObject();
        client.allowOnly("issuer", "authorizationEndpoint", "tokenEndpoint", "clientId", "clientSecret", "clientSecretRef",
                "scopes");
        Node secretRef = client.field("clientSecretRef");
        if (secretRef.present() && client.field("clientSecret").present()) {
            throw client.error("expected at most one of clientSecret and clientSecretRef");
        }
        String namespace = ref.field("namespace").optString(route.namespaceOrDefault());
        String secret = secretRef.present() ? docs.secretRefValue(secretRef, namespace, OAUTH_CLIENT_SECRET_KEY)
                : client.field("clientSecret").optString(null);
        return McpServersAuth.userOAuth(client, secret);
    }

    /** The key of a Secret named by {@code oauthClient.clientSecretRef}. */
    static final String OAUTH_CLIENT_SECRET_KEY = "clientSecret";

    /**
     * The backend's {@code securityPolicy.apiKey}: puts the key into {@code headers}, or answers the
     * query string to append to the URL (null when none).
     */
    private String apiKey(Node policy, String backend, String namespace, Map<String, String> headers)
            throws ConfigException {
        if (!policy.present()) {
            return null;
        }
        policy.requireObject();
        policy.allowOnly("apiKey", "oauthClient");
        Node apiKey = policy.field("apiKey");
        if (!apiKey.present()) {
            return null;
        }
        apiKey.requireObject();
        apiKey.allowOnly("secretRef", "inline", "header", "queryParam");
        Node secretRef = apiKey.field("secretRef");
        Node inline = apiKey.field("inline");
        if (secretRef.present() == inline.present()) {
            throw apiKey.error("expected exactly one of secretRef and inline");
        }
        Node header = apiKey.field("header");
        Node queryParam = apiKey.field("queryParam");
        if (header.present() && queryParam.present()) {
            throw apiKey.error("expected at most one of header and queryParam");
        }
        String key = inline.present() ? inline.string()
                : docs.secretRefValue(secretRef, namespace, RouteDocuments.API_KEY_SECRET_KEY);
        if (queryParam.present()) {
            return URLEncoder.encode(queryParam.string(), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(key, StandardCharsets.UTF_8);
        }
        String h = header.optString("Authorization");
        HeaderRules.checkStatic(header, backend, h);
        // Envoy AI Gateway: the Authorization header gets the key as a bearer token.
        headers.put(h, h.equalsIgnoreCase("Authorization") ? "Bearer " + key : key);
        return null;
    }

    private static ToolFilter toolSelector(Node selector) throws ConfigException {
        if (!selector.present()) {
            return ToolFilter.ALLOW_ALL;
        }
        selector.requireObject();
        selector.allowOnly("include", "includeRegex", "exclude", "excludeRegex");
        // Envoy AI Gateway matches regexes with Go's MatchString, which finds them anywhere in the name.
        return BackendRules.toolFilter(selector.field("include").strings(),
                BackendRules.patterns(selector.field("includeRegex"), true), selector.field("exclude").strings(),
                BackendRules.patterns(selector.field("excludeRegex"), true));
    }

    // ---------------------------------------------------------------- Backend, BackendTLSPolicy

    private Endpoint backend(Node ref, String name, String namespace) throws ConfigException {
        Doc doc = docs.find("Backend", name, namespace);
        if (doc == null) {
            throw ref.field("name").error("no Backend named \"" + name + "\" (namespace " + namespace
                    + ") in this file; add a document with apiVersion: gateway.envoyproxy.io/v1alpha1, kind: Backend");
        }
        Node spec = docs.root(doc).field("spec");
        spec.requireObject();
        Node type = spec.field("type");
        if (type.present() && !"Endpoints".equals(type.string())) {
            throw type.error("expected Endpoints (the only Backend type this gateway supports), got \"" + type.string() + "\"");
        }
        Node endpoints = spec.field("endpoints");
        if (!endpoints.present() || !endpoints.node().isArray() || endpoints.node().isEmpty()) {
            throw endpoints.error("expected a list with one endpoint (fqdn or ip)");
        }
        if (endpoints.node().size() > 1) {
            throw endpoints.error("expected one endpoint; this gateway does not balance between several (got "
                    + endpoints.node().size() + ")");
        }
        Node endpoint = endpoints.index(0);
        endpoint.requireObject();
        String host;
        Node port;
        if (endpoint.field("fqdn").present()) {
            Node fqdn = endpoint.field("fqdn");
            fqdn.requireObject();
            host = fqdn.field("hostname").string();
            port = fqdn.field("port");
        } else if (endpoint.field("ip").present()) {
            Node ip = endpoint.field("ip");
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
        UpstreamTls tls = backendTls(spec.field("tls"), doc.namespace());
        Doc policy = tlsPolicyFor(name, doc.namespace() == null ? namespace : doc.namespace());
        if (policy != null) {
            UpstreamTls fromPolicy = tlsPolicy(policy);
            tls = tls == null ? fromPolicy : merge(tls, fromPolicy);
        }
        Endpoint e = Endpoint.of(host, portNumber, tls);
        try {
            new URI(e.baseUrl());
        } catch (URISyntaxException ex) {
            throw endpoint.error("not a valid host: \"" + host + "\"");
        }
        return e;
    }

    /** The Backend's own {@code spec.tls} (Envoy Gateway BackendTLSSettings); null when absent. */
    private UpstreamTls backendTls(Node tls, String namespace) throws ConfigException {
        if (!tls.present()) {
            return null;
        }
        tls.requireObject();
        boolean insecure = tls.field("insecureSkipVerify").bool(false);
        List<String> cas = caCertificates(tls.field("caCertificateRefs"), namespace);
        Node sni = tls.field("sni");
        return new UpstreamTls(cas, sni.present() ? sni.string() : null, insecure);
    }

    private Doc tlsPolicyFor(String backend, String namespace) throws ConfigException {
        for (Doc doc : docs.all()) {
            if (!"BackendTLSPolicy".equals(doc.kind())
                    || (doc.namespace() != null && namespace != null && !doc.namespace().equals(namespace))) {
                continue;
            }
            for (Node t : docs.root(doc).field("spec").field("targetRefs").list()) {
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
        Node validation = docs.root(doc).field("spec").field("validation");
        if (!validation.present()) {
            return UpstreamTls.DEFAULT;
        }
        validation.requireObject();
        List<String> cas = caCertificates(validation.field("caCertificateRefs"), doc.namespace());
        Node wellKnown = validation.field("wellKnownCACertificates");
        if (wellKnown.present() && !"System".equals(wellKnown.string())) {
            throw wellKnown.error("expected System, got \"" + wellKnown.string() + "\"");
        }
        Node hostname = validation.field("hostname");
        return new UpstreamTls(cas, hostname.present() ? hostname.string() : null, false);
    }

    private static UpstreamTls merge(UpstreamTls own, UpstreamTls policy) {
        List<String> cas = new ArrayList<>(own.caCertificates());
        cas.addAll(policy.caCertificates());
        return new UpstreamTls(List.copyOf(cas), own.serverName() != null ? own.serverName() : policy.serverName(),
                own.insecureSkipVerify());
    }

    private List<String> caCertificates(Node refs, String namespace) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (Node ref : refs.list()) {
            ref.requireObject();
            String kind = ref.field("kind").optString("ConfigMap");
            String name = ref.field("name").string();
            String pem = switch (kind) {
                case "ConfigMap" -> docs.configMapValue(ref, name, namespace, CA_KEY);
                case "Secret" -> docs.secretValue(ref, name, namespace, CA_KEY);
                default -> throw ref.field("kind").error("expected ConfigMap or Secret, got \"" + kind + "\"");
            };
            if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
                throw ref.error("\"" + CA_KEY + "\" of " + kind + " \"" + name + "\" holds no PEM certificate");
            }
            out.add(pem);
        }
        return List.copyOf(out);
    }
}
