package dev.mcpgateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The documents of an MCPRoute file, by kind and name, and the values their references lead to:
 * Secrets (in the file, mounted under {@code $MCP_GATEWAY_SECRETS_DIR}, or in the environment) and
 * ConfigMaps.
 */
final class RouteDocuments {

    static final String SECRETS_DIR_ENV = "MCP_GATEWAY_SECRETS_DIR";
    /** The Secret key a backend apiKey's secretRef is read from, as in Envoy AI Gateway. */
    static final String API_KEY_SECRET_KEY = "apiKey";
    /** aigw's convention: this annotation prefix plus a Secret key names the variable that replaces its value. */
    static final String SUBSTITUTION_ANNOTATION = "substitution.aigw.run/env/";

    static final Set<String> ROUTE_VERSIONS = Set.of("aigateway.envoyproxy.io/v1alpha1", "aigateway.envoyproxy.io/v1beta1");
    private static final Set<String> BACKEND_VERSIONS = Set.of("gateway.envoyproxy.io/v1alpha1");
    private static final Set<String> TLS_POLICY_VERSIONS = Set.of("gateway.networking.k8s.io/v1alpha3",
            "gateway.networking.k8s.io/v1");
    private static final Set<String> CORE_VERSIONS = Set.of("v1");

    /** One YAML document: its position in the file and its Kubernetes identity. */
    record Doc(int index, int line, String apiVersion, String kind, String name, String namespace, JsonNode node) {

        String label() {
            if (line <= 0) {
                // An object from the Kubernetes API: its kind and name say all.
                return kind + " " + (namespace == null ? "" : namespace + "/") + name;
            }
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

        /** The namespace references from this document default to. */
        String namespaceOrDefault() {
            return namespace == null ? "default" : namespace;
        }
    }

    private final String file;
    private final Function<String, String> env;
    private final EnvSubstitution substitution;
    private final List<Doc> docs = new ArrayList<>();
    private final List<String> unresolved = new ArrayList<>();

    RouteDocuments(String file, Function<String, String> env) {
        this.file = file;
        this.env = env;
        this.substitution = new EnvSubstitution(env);
    }

    String file() {
        return file;
    }

    List<Doc> all() {
        return docs;
    }

    /** The document's root, for reading its fields. */
    Node root(Doc doc) {
        return Node.root(file.isEmpty() ? doc.label() : file + ": " + doc.label(), Node.Style.YAML, substitution,
                doc.node());
    }

    Doc find(String kind, String name, String namespace) {
        for (Doc doc : docs) {
            if (doc.matches(kind, name, namespace)) {
                return doc;
            }
        }
        unresolved.add(kind + " " + (namespace == null ? "" : namespace + "/") + name);
        return null;
    }

    /** The objects looked up by a reference and not found, as "Kind namespace/name". */
    List<String> unresolved() {
        return List.copyOf(unresolved);
    }

    /** Adds one object as it came from the Kubernetes API (no file position). */
    Doc add(JsonNode node) throws ConfigException {
        Doc doc = identify(0, 0, node);
        docs.add(doc);
        return doc;
    }

    void read(String text) throws ConfigException {
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
        // Identity fields are read before substitution applies: they only pick documents.
        String kind = rawText(node, "kind", bare, "kind");
        String apiVersion = rawText(node, "apiVersion", bare, "apiVersion");
        JsonNode metadata = node.get("metadata");
        String name = null;
        String namespace = null;
        if (metadata != null && metadata.isObject()) {
            name = rawText(metadata, "name", bare, "metadata.name");
            namespace = rawText(metadata, "namespace", bare, "metadata.namespace");
        }
        Doc doc = new Doc(index, line, apiVersion, kind, name, namespace, node);
        String at = file + ": " + doc.label() + ": ";
        if (kind == null) {
            throw new ConfigException(at + "kind: required");
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
            throw new ConfigException(at + "apiVersion: expected " + String.join(" or ", sorted(versions)) + " for kind "
                    + kind + ", got " + (apiVersion == null ? "none" : "\"" + apiVersion + "\""));
        }
        if (name == null) {
            throw new ConfigException(at + "metadata.name: required");
        }
        for (Doc other : docs) {
            if (other.kind().equals(kind) && other.name() != null && other.name().equals(name)
                    && Objects.equals(other.namespace(), namespace)) {
                throw new ConfigException(at + "duplicates " + other.label());
            }
        }
        return doc;
    }

    static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    private String rawText(JsonNode node, String field, Doc doc, String path) throws ConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ConfigException(file + ": " + doc.label() + ": " + path + ": expected a string");
        }
        return v.asText();
    }

    // ---------------------------------------------------------------- Secrets and ConfigMaps

    /** The value of a {@code secretRef} (a Gateway API SecretObjectReference). */
    String secretRefValue(Node ref, String defaultNamespace, String key) throws ConfigException {
        ref.requireObject();
        ref.allowOnly("name", "namespace", "kind", "group");
        Node kind = ref.field("kind");
        if (kind.present() && !"Secret".equals(kind.string())) {
            throw kind.error("expected Secret, got \"" + kind.string() + "\"");
        }
        return secretValue(ref, ref.field("name").string(), ref.field("namespace").optString(defaultNamespace), key);
    }

    /**
     * One key of a Secret: from a Secret document in the file, else the file
     * {@code $MCP_GATEWAY_SECRETS_DIR/NAME/KEY} (a mounted Secret), else an environment variable
     * (the Secret's name in upper case with {@code _} for other characters, plus {@code _KEY} unless
     * the key is {@code apiKey}).
     */
    String secretValue(Node where, String name, String namespace, String key) throws ConfigException {
        Doc doc = find("Secret", name, namespace);
        if (doc != null) {
            Map<String, String> values = secretData(doc);
            String v = values.get(key);
            if (v == null) {
                throw where.error(
                        doc.label() + " has no key \"" + key + "\" (keys: " + String.join(", ", values.keySet()) + ")");
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
    Map<String, String> wholeSecret(Node where, String name, String namespace) throws ConfigException {
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

    private static String readSecretFile(Node where, Path f) throws ConfigException {
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
        Node root = root(doc);
        Map<String, String> values = new TreeMap<>();
        for (Map.Entry<String, Node> e : root.field("data").entries()) {
            String encoded = e.getValue().string();
            try {
                values.put(e.getKey(), new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException ex) {
                throw e.getValue().error("expected base64 (use stringData for plain text)");
            }
        }
        for (Map.Entry<String, Node> e : root.field("stringData").entries()) {
            values.put(e.getKey(), e.getValue().string());
        }
        for (Map.Entry<String, Node> e : root.field("metadata").field("annotations").entries()) {
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

    String configMapValue(Node where, String name, String namespace, String key) throws ConfigException {
        Doc doc = find("ConfigMap", name, namespace);
        if (doc == null) {
            throw where.error("no ConfigMap named \"" + name + "\" in this file");
        }
        Node value = root(doc).field("data").field(key);
        if (!value.present()) {
            throw where.error(doc.label() + " has no key \"" + key + "\" in data");
        }
        return value.string();
    }
}
