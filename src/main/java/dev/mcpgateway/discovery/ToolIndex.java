package dev.mcpgateway.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A full-text index (Apache Lucene, BM25) of one catalogue of tools, exactly as one caller was
 * listed them: each tool's name (split at {@code __}, {@code _}, {@code -} and case changes), title,
 * description, and the names and descriptions of its arguments ({@code inputSchema.properties}).
 * Immutable once built and safe to search from many threads; it lives in memory only.
 */
public final class ToolIndex {

    /** Most distinct query terms searched; the rest of a very long query is ignored. */
    static final int MAX_QUERY_TERMS = 64;

    private static final Analyzer ANALYZER = new ToolTextAnalyzer();
    /** How much a word the thesaurus adds counts, next to a word of the query itself. */
    private static final float EXPANSION_WEIGHT = 0.4f;
    /** How much a word's matches in its other fields add to its best one. */
    private static final float TIE_BREAKER = 0.3f;
    private static final String ORDINAL = "ordinal";
    /** The fields searched and their weight: a word in a tool's name says more than one in its prose. */
    private static final Map<String, Float> FIELDS = fields();
    private static final Thesaurus THESAURUS = Thesaurus.standard();

    private final List<ObjectNode> tools;
    private final Map<String, ObjectNode> byName;
    private final IndexSearcher searcher;

    /** A tool that matched a query, and how well. */
    public record Hit(ObjectNode tool, float score) {
    }

    private ToolIndex(List<ObjectNode> tools, Map<String, ObjectNode> byName, IndexSearcher searcher) {
        this.tools = tools;
        this.byName = byName;
        this.searcher = searcher;
    }

    private static Map<String, Float> fields() {
        Map<String, Float> f = new LinkedHashMap<>();
        f.put("name", 3.0f);
        f.put("title", 2.0f);
        f.put("description", 1.0f);
        f.put("arguments", 1.0f);
        f.put("argumentText", 0.5f);
        return Collections.unmodifiableMap(f);
    }

    /** Indexes these tools (items of a {@code tools/list} result); items without a name are left out. */
    public static ToolIndex build(List<ObjectNode> tools) {
        List<ObjectNode> kept = new ArrayList<>(tools.size());
        Map<String, ObjectNode> byName = new LinkedHashMap<>();
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        IndexWriterConfig cfg = new IndexWriterConfig(ANALYZER).setSimilarity(new BM25Similarity());
        try (IndexWriter writer = new IndexWriter(dir, cfg)) {
            for (ObjectNode tool : tools) {
                String name = tool.path("name").asText(null);
                if (name == null || byName.putIfAbsent(name, tool) != null) {
                    continue;
                }
                writer.addDocument(document(tool, name, kept.size()));
                kept.add(tool);
            }
            writer.commit();
        } catch (IOException e) {
            // An in-memory directory does no I/O.
            throw new UncheckedIOException(e);
        }
        try {
            IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
            searcher.setSimilarity(new BM25Similarity());
            return new ToolIndex(List.copyOf(kept), byName, searcher);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Document document(ObjectNode tool, String name, int ordinal) {
        Document doc = new Document();
        doc.add(new StoredField(ORDINAL, ordinal));
        doc.add(new TextField("name", name, Field.Store.NO));
        addText(doc, "title", tool.path("title").asText(""));
        addText(doc, "title", tool.path("annotations").path("title").asText(""));
        addText(doc, "description", tool.path("description").asText(""));
        JsonNode properties = tool.path("inputSchema").path("properties");
        if (properties.isObject()) {
            for (Map.Entry<String, JsonNode> p : properties.properties()) {
                addText(doc, "arguments", p.getKey());
                addText(doc, "argumentText", p.getValue().path("description").asText(""));
                addText(doc, "argumentText", p.getValue().path("title").asText(""));
            }
        }
        return doc;
    }

    private static void addText(Document doc, String field, String text) {
        if (!text.isBlank()) {
            doc.add(new TextField(field, text, Field.Store.NO));
        }
    }

    /** How many tools the index holds. */
    public int size() {
        return tools.size();
    }

    /** The tool of this name (as listed), or null. */
    public ObjectNode tool(String name) {
        return byName.get(name);
    }

    /**
     * The best {@code limit} tools for a query, best first. A query naming a tool exactly puts that
     * tool first; a query without any searchable word returns the first tools of the catalogue.
     */
    public List<Hit> search(String query, int limit) {
        return search(query, limit, true);
    }

    /**
     * The same, with {@code expand} false: the query's own words only, without the words the
     * {@linkplain Thesaurus thesaurus} adds.
     */
    public List<Hit> search(String query, int limit, boolean expand) {
        List<Hit> hits = new ArrayList<>(limit);
        ObjectNode exact = byName.get(query.strip());
        if (exact != null) {
            hits.add(new Hit(exact, Float.MAX_VALUE));
        }
        List<String> analysed = analyse(query);
        Set<String> terms = new LinkedHashSet<>(analysed.subList(0, Math.min(analysed.size(), MAX_QUERY_TERMS)));
        if (terms.isEmpty()) {
            for (ObjectNode t : tools) {
                if (hits.size() >= limit) {
                    break;
                }
                if (t != exact) {
                    hits.add(new Hit(t, 0f));
                }
            }
            return hits;
        }
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        for (String term : terms) {
            addTerm(q, term, 1f);
        }
        if (expand) {
            for (String term : THESAURUS.expand(List.copyOf(terms))) {
                addTerm(q, term, EXPANSION_WEIGHT);
            }
        }
        try {
            for (ScoreDoc sd : searcher.search(q.build(), limit + 1).scoreDocs) {
                if (hits.size() >= limit) {
                    break;
                }
                int ordinal = searcher.storedFields().document(sd.doc).getField(ORDINAL).numericValue().intValue();
                ObjectNode tool = tools.get(ordinal);
                if (tool != exact) {
                    hits.add(new Hit(tool, sd.score));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hits;
    }

    /**
     * One query word: the best of its matches in the fields, plus a little of the others, so a word
     * that a tool repeats in its name, description and arguments does not count three times over.
     */
    private static void addTerm(BooleanQuery.Builder q, String term, float weight) {
        List<Query> perField = new ArrayList<>(FIELDS.size());
        for (Map.Entry<String, Float> f : FIELDS.entrySet()) {
            perField.add(new BoostQuery(new TermQuery(new Term(f.getKey(), term)), f.getValue()));
        }
        q.add(new BoostQuery(new DisjunctionMaxQuery(perField, TIE_BREAKER), weight), BooleanClause.Occur.SHOULD);
    }

    /** The analysed terms of a text, in order (the first {@code 4 * MAX_QUERY_TERMS}). */
    static List<String> analyse(String text) {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = ANALYZER.tokenStream("query", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken() && out.size() < 4 * MAX_QUERY_TERMS) {
                out.add(term.toString());
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
