package dev.mcpgateway.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The words people use for what tools do, and the words tool authors write instead ("restart" and
 * "reboot", "PR" and "pull request"), from {@code thesaurus.txt} beside this class. A query's words
 * also search for the words they map to, at a lower weight: the tools' own text is never changed.
 */
final class Thesaurus {

    /** Each key (a sequence of analysed terms) and the terms a query containing it also searches for. */
    private final Map<List<String>, Set<String>> entries;

    private Thesaurus(Map<List<String>, Set<String>> entries) {
        this.entries = entries;
    }

    /** The thesaurus shipped with the gateway. */
    static Thesaurus standard() {
        try (InputStream in = Thesaurus.class.getResourceAsStream("thesaurus.txt")) {
            if (in == null) {
                throw new IllegalStateException("thesaurus.txt is missing beside " + Thesaurus.class.getName());
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines of {@code a, b, c} (each stands in for the others) or {@code a, b => c, d}; {@code #} comments. */
    static Thesaurus parse(List<String> lines) {
        Map<List<String>, Set<String>> entries = new LinkedHashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int arrow = line.indexOf("=>");
            List<List<String>> from = phrases(arrow < 0 ? line : line.substring(0, arrow));
            List<List<String>> to = arrow < 0 ? from : phrases(line.substring(arrow + 2));
            for (List<String> key : from) {
                Set<String> targets = entries.computeIfAbsent(key, k -> new LinkedHashSet<>());
                to.forEach(targets::addAll);
            }
        }
        return new Thesaurus(entries);
    }

    private static List<List<String>> phrases(String commaSeparated) {
        List<List<String>> out = new ArrayList<>();
        for (String phrase : commaSeparated.split(",")) {
            List<String> terms = ToolIndex.analyse(phrase);
            if (!terms.isEmpty()) {
                out.add(terms);
            }
        }
        return out;
    }

    /** The terms to search for besides the query's own (analysed, in order): none of the query's own. */
    Set<String> expand(List<String> queryTerms) {
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<List<String>, Set<String>> e : entries.entrySet()) {
            if (contains(queryTerms, e.getKey())) {
                out.addAll(e.getValue());
            }
        }
        out.removeAll(queryTerms);
        return out;
    }

    private static boolean contains(List<String> terms, List<String> phrase) {
        outer : for (int i = 0; i + phrase.size() <= terms.size(); i++) {
            for (int j = 0; j < phrase.size(); j++) {
                if (!terms.get(i + j).equals(phrase.get(j))) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
