package dev.mcpgateway.discovery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The indexes of the catalogues callers were recently listed, keyed by a digest of the catalogue
 * itself: callers who see the same tools share one index, and a catalogue that changed (an upstream
 * added a tool, a reload changed a filter or a rule) has another digest, so it gets a fresh index
 * and the old one ages out. Bounded: the least recently used index goes first. In memory, per
 * replica: an index is rebuilt from the listing, never shared across replicas.
 */
public final class ToolIndexCache {

    private final int maxEntries;
    private final Map<String, ToolIndex> entries;
    private final AtomicLong builds = new AtomicLong();

    public ToolIndexCache(int maxEntries) {
        this.maxEntries = Math.max(1, maxEntries);
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** A stable digest of a catalogue (the tools as listed, in order). */
    public static String fingerprint(List<ObjectNode> tools) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (ObjectNode t : tools) {
                sha.update(t.toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The index of a catalogue with this fingerprint, if one is cached. */
    public synchronized ToolIndex get(String fingerprint) {
        return entries.get(fingerprint);
    }

    /** The cached index of this catalogue, or a new one built now (the caller decides on which thread). */
    public ToolIndex getOrBuild(String fingerprint, List<ObjectNode> tools, Function<List<ObjectNode>, ToolIndex> build) {
        ToolIndex cached = get(fingerprint);
        if (cached != null) {
            return cached;
        }
        // Built outside the lock; two callers racing on a new catalogue may both build it, and one wins.
        ToolIndex built = build.apply(tools);
        builds.incrementAndGet();
        synchronized (this) {
            ToolIndex raced = entries.putIfAbsent(fingerprint, built);
            if (entries.size() > maxEntries) {
                entries.remove(entries.keySet().iterator().next());
            }
            return raced == null ? built : raced;
        }
    }

    /** How many indexes are cached. */
    public synchronized int size() {
        return entries.size();
    }

    /** How many indexes were built since start. */
    public long builds() {
        return builds.get();
    }
}
