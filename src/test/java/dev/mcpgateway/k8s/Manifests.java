package dev.mcpgateway.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads the manifests under {@code k8s/}, and builds a kustomization the way kustomize does for the
 * features these kustomizations use (resources, namespace, labels, JSON 6902 patches). Anything
 * else in a kustomization fails, so a new feature cannot slip past the tests unbuilt.
 */
final class Manifests {

    static final Path ROOT = Path.of("k8s");
    static final YAMLMapper YAML = new YAMLMapper();

    /** Kinds without a namespace among those used here. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole",
            "ClusterRoleBinding", "PersistentVolume", "StorageClass");
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "namespace", "labels", "patches");

    private Manifests() {
    }

    /** One object of a manifest file. */
    record Doc(Path file, int index, ObjectNode json) {

        String kind() {
            return json.path("kind").asText();
        }

        String name() {
            return json.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return file + " #" + index + " (" + kind() + " " + name() + ")";
        }
    }

    /** Every manifest file (not the kustomization files). */
    static List<Path> files() {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Doc> read(Path file) {
        List<Doc> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readValues(YAML.getFactory().createParser(file.toFile()), JsonNode.class)) {
            int i = 0;
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                i++;
                if (n instanceof ObjectNode o && !o.isEmpty()) {
                    out.add(new Doc(file, i, o));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return out;
    }

    static List<Doc> readAll(Path dir) {
        List<Doc> out = new ArrayList<>();
        files().stream().filter(f -> f.startsWith(dir)).forEach(f -> out.addAll(read(f)));
        return out;
    }

    static Doc find(List<Doc> docs, String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + docs));
    }

    static List<Doc> all(List<Doc> docs, String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    /** The objects {@code kustomize build dir} produces. */
    static List<Doc> kustomize(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        JsonNode k;
        try {
            k = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        k.fieldNames().forEachRemaining(f -> {
            if (!SUPPORTED.contains(f)) {
                throw new AssertionError(file + ": " + f + " is not built by these tests; extend Manifests.kustomize");
            }
        });
        List<Doc> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (!Files.exists(p)) {
                throw new AssertionError(file + ": resource " + r.asText() + " does not exist");
            }
            out.addAll(Files.isDirectory(p) ? kustomize(p) : read(p));
        }
        for (JsonNode patch : k.path("patches")) {
            String kind = patch.path("target").path("kind").asText();
            String name = patch.path("target").path("name").asText();
            JsonNode ops;
            try {
                ops = YAML.readTree(patch.path("patch").asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<Doc> targets = out.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).toList();
            if (targets.isEmpty()) {
                throw new AssertionError(file + ": patch target " + kind + " " + name + " not found");
            }
            targets.forEach(d -> ops.forEach(op -> JsonPatch.apply(d.json(), op)));
        }
        for (JsonNode l : k.path("labels")) {
            if (l.path("includeSelectors").asBoolean(false) || l.path("includeTemplates").asBoolean(false)) {
                throw new AssertionError(file + ": labels with selectors or templates are not built by these tests");
            }
            out.forEach(d -> {
                ObjectNode labels = d.json().with("metadata").with("labels");
                l.path("pairs").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue()));
            });
        }
        if (k.hasNonNull("namespace")) {
            String ns = k.get("namespace").asText();
            out.stream().filter(d -> !CLUSTER_SCOPED.contains(d.kind()))
                    .forEach(d -> d.json().with("metadata").put("namespace", ns));
        }
        return out;
    }

    /** RFC 6902 add, replace and remove: what the overlays use. */
    static final class JsonPatch {

        private JsonPatch() {
        }

        static void apply(ObjectNode root, JsonNode op) {
            String path = op.path("path").asText();
            String[] tokens = path.substring(1).split("/", -1);
            JsonNode parent = root;
            for (int i = 0; i < tokens.length - 1; i++) {
                String t = unescape(tokens[i]);
                parent = parent.isArray() ? parent.get(Integer.parseInt(t)) : parent.get(t);
                if (parent == null) {
                    throw new AssertionError("patch path " + path + " does not exist");
                }
            }
            String last = unescape(tokens[tokens.length - 1]);
            String kind = op.path("op").asText();
            if (parent instanceof ObjectNode o) {
                if (!kind.equals("add") && !o.has(last)) {
                    throw new AssertionError("patch path " + path + " does not exist");
                }
                switch (kind) {
                    case "add", "replace" -> o.set(last, op.get("value"));
                    case "remove" -> o.remove(last);
                    default -> throw new AssertionError("unsupported patch op " + kind);
                }
            } else if (parent instanceof ArrayNode a) {
                switch (kind) {
                    case "add" -> {
                        if (last.equals("-")) {
                            a.add(op.get("value"));
                        } else {
                            a.insert(Integer.parseInt(last), op.get("value"));
                        }
                    }
                    case "replace" -> a.set(Integer.parseInt(last), op.get("value"));
                    case "remove" -> a.remove(Integer.parseInt(last));
                    default -> throw new AssertionError("unsupported patch op " + kind);
                }
            } else {
                throw new AssertionError("patch path " + path + " does not address an object or array");
            }
        }

        private static String unescape(String token) {
            return token.replace("~1", "/").replace("~0", "~");
        }
    }
}
