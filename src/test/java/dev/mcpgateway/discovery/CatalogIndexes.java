package dev.mcpgateway.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The tools of src/test/resources/discovery/catalog.json as a search route lists them (prefixed
 * {@code backend__name}, JSON Schema built from the compact argument notation exactly as
 * src/test/node/catalog-upstream.mjs builds it), and the retrieval figures of a query set over them.
 */
final class CatalogIndexes {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Path CATALOG = Path.of("src/test/resources/discovery/catalog.json");

    private CatalogIndexes() {
    }

    static List<ObjectNode> tools() {
        try {
            List<ObjectNode> out = new ArrayList<>();
            for (Map.Entry<String, JsonNode> backend : MAPPER.readTree(CATALOG.toFile()).properties()) {
                if (backend.getKey().startsWith("_")) {
                    continue;
                }
                for (JsonNode t : backend.getValue()) {
                    ObjectNode tool = MAPPER.createObjectNode();
                    tool.put("name", backend.getKey() + "__" + t.get(0).asText());
                    tool.put("description", t.get(1).asText());
                    ObjectNode schema = tool.putObject("inputSchema").put("type", "object");
                    ObjectNode properties = schema.putObject("properties");
                    List<String> required = new ArrayList<>();
                    for (Map.Entry<String, JsonNode> a : t.get(2).properties()) {
                        String key = a.getKey();
                        boolean req = key.endsWith("!");
                        String[] parts = (req ? key.substring(0, key.length() - 1) : key).split(":");
                        properties.putObject(parts[0]).put("type", parts.length > 1 ? parts[1] : "string")
                                .put("description", a.getValue().asText());
                        if (req) {
                            required.add(parts[0]);
                        }
                    }
                    if (!required.isEmpty()) {
                        required.forEach(schema.putArray("required")::add);
                    }
                    out.add(tool);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Top-1 and top-5 hit rates and MRR@10 of a query set, with the queries not answered first. */
    record Figures(int queries, double top1, double top5, double mrr, List<String> misses) {
        @Override
        public String toString() {
            return "%d queries: top-1 %.1f%%, top-5 %.1f%%, MRR@10 %.3f".formatted(queries, 100 * top1, 100 * top5, mrr);
        }
    }

    /** Ranks one query; answers the tool names, best first. */
    interface Ranker {
        List<String> rank(String query, int limit);
    }

    static Figures measure(Path queryFile, Ranker ranker) {
        try {
            JsonNode queries = MAPPER.readTree(queryFile.toFile()).path("queries");
            int top1 = 0;
            int top5 = 0;
            double reciprocal = 0;
            List<String> misses = new ArrayList<>();
            for (JsonNode q : queries) {
                List<String> expected = new ArrayList<>();
                q.path("expected").forEach(e -> expected.add(e.asText()));
                List<String> ranked = ranker.rank(q.path("query").asText(), 10);
                int rank = -1;
                for (int r = 0; r < ranked.size() && rank < 0; r++) {
                    rank = expected.contains(ranked.get(r)) ? r : -1;
                }
                top1 += rank == 0 ? 1 : 0;
                top5 += rank >= 0 && rank < 5 ? 1 : 0;
                reciprocal += rank >= 0 ? 1.0 / (rank + 1) : 0;
                if (rank != 0) {
                    misses.add("\"" + q.path("query").asText() + "\" -> "
                            + (rank < 0 ? "not in top 10" : "rank " + (rank + 1)) + " (expected " + expected + ", got "
                            + ranked.subList(0, Math.min(3, ranked.size())) + ")");
                }
            }
            int n = queries.size();
            return new Figures(n, (double) top1 / n, (double) top5 / n, reciprocal / n, misses);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
