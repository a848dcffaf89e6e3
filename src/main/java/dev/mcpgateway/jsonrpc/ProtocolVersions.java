package dev.mcpgateway.jsonrpc;

import java.util.List;

/** The MCP revisions the gateway speaks, oldest first. */
public final class ProtocolVersions {

    public static final String V2024_11_05 = "2024-11-05";
    public static final String V2025_03_26 = "2025-03-26";
    public static final String V2025_06_18 = "2025-06-18";
    public static final String V2025_11_25 = "2025-11-25";
    /** The first stateless revision: no sessions, no initialize, {@code _meta} on every request. */
    public static final String V2026_07_28 = "2026-07-28";

    /** Revisions negotiated by {@code initialize} (sessions). */
    public static final List<String> SUPPORTED = List.of(V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25);
    public static final String LATEST = V2025_11_25;
    /** Revisions declared per request in {@code _meta} (no sessions). */
    public static final List<String> MODERN = List.of(V2026_07_28);
    /** Every revision, newest first, as {@code server/discover} and version errors list them. */
    public static final List<String> ALL_NEWEST_FIRST = List.of(V2026_07_28, V2025_11_25, V2025_06_18, V2025_03_26,
            V2024_11_05);

    /** Assumed when a client sends no {@code MCP-Protocol-Version} header, as the spec says. */
    public static final String DEFAULT_HEADER_VERSION = V2025_03_26;

    private ProtocolVersions() {
    }

    public static boolean isSupported(String version) {
        return version != null && SUPPORTED.contains(version);
    }

    /**
     * Whether a revision is one of the stateless ones (2026-07-28 and later). Only a revision, a
     * date {@code YYYY-MM-DD}, is: anything else that happens to sort after it is no revision at all.
     */
    public static boolean isModern(String version) {
        return isRevision(version) && version.compareTo(V2026_07_28) >= 0;
    }

    /** Whether the text has the shape of a revision: {@code YYYY-MM-DD}. */
    public static boolean isRevision(String version) {
        if (version == null || version.length() != 10 || version.charAt(4) != '-' || version.charAt(7) != '-') {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (i != 4 && i != 7 && (version.charAt(i) < '0' || version.charAt(i) > '9')) {
                return false;
            }
        }
        return true;
    }

    /** Revisions compare as dates. */
    public static boolean atLeast(String version, String other) {
        return version != null && version.compareTo(other) >= 0;
    }

    /** The revision to answer an {@code initialize} that asked for {@code requested}. */
    public static String negotiate(String requested) {
        return isSupported(requested) ? requested : LATEST;
    }
}
