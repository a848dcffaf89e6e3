package dev.mcpgateway.config;

import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which request headers toward a backend a configuration may name. A client header copied to a
 * backend ({@code forwardHeaders}) or a static one ({@code headers}, an MCPRoute {@code apiKey.header})
 * must not change the framing of the gateway's request, nor the MCP session, protocol and content
 * negotiation the gateway conducts with the backend. Checked once, when a file is loaded; the sets
 * compare names case-insensitively (RFC 9110 section 5.1).
 */
public final class HeaderRules {

    /**
     * Hop-by-hop and framing headers: they describe one connection or one message body (RFC 9110
     * section 7.6.1, RFC 9112), so only the HTTP client writing the request may set them.
     */
    public static final SortedSet<String> HOP_BY_HOP = caseInsensitive("Connection", "Keep-Alive", "Proxy-Authenticate",
            "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
            "Host");

    /**
     * Headers the gateway sets itself on a request to a backend: the backend's MCP session, protocol
     * revision and method, stream resumption, content negotiation, and its credentials
     * ({@code Authorization}: static headers or an obtained token; the caller's own only with
     * {@code passthrough}).
     */
    public static final SortedSet<String> GATEWAY_OWNED = caseInsensitive("Mcp-Session-Id", "MCP-Protocol-Version",
            "Mcp-Method", "Mcp-Name", "Last-Event-ID", "Accept", "Content-Type", "Authorization");

    /** RFC 9110 token characters. */
    private static final Pattern NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private HeaderRules() {
    }

    private static SortedSet<String> caseInsensitive(String... names) {
        TreeSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(List.of(names));
        return Collections.unmodifiableSortedSet(set);
    }

    /** Refuses what is not an HTTP header name. */
    static void checkName(Node where, String header) throws ConfigException {
        if (!NAME.matcher(header).matches()) {
            throw where.error("not a valid header name: \"" + header + "\"");
        }
    }

    /**
     * Refuses a forwarded header whose client name or backend name is one the gateway owns.
     *
     * @param passthrough the backend receives the caller's own {@code Authorization}
     */
    static void checkForwarded(Node where, String backend, String clientHeader, String backendHeader, boolean passthrough)
            throws ConfigException {
        for (String h : clientHeader.equalsIgnoreCase(backendHeader) ? List.of(clientHeader)
                : List.of(clientHeader, backendHeader)) {
            checkName(where, h);
            String why = null;
            if (HOP_BY_HOP.contains(h)) {
                why = "it frames one connection or message, which the gateway writes itself";
            } else if (h.equalsIgnoreCase("Authorization")) {
                if (!passthrough) {
                    why = "the gateway sends a backend its own credentials; the caller's Authorization reaches only a"
                            + " backend whose auth is passthrough (mcp-servers.json)";
                }
            } else if (GATEWAY_OWNED.contains(h)) {
                why = "the gateway sets it itself toward the backend (its session, protocol and content negotiation)";
            }
            if (why != null) {
                throw where.error("\"" + h + "\" cannot be forwarded to backend \"" + backend + "\": " + why);
            }
        }
    }

    /** Refuses a static header the gateway owns; credentials ({@code Authorization}) are allowed. */
    static void checkStatic(Node where, String backend, String header) throws ConfigException {
        checkName(where, header);
        if (HOP_BY_HOP.contains(header)
                || (GATEWAY_OWNED.contains(header) && !header.equalsIgnoreCase("Authorization"))) {
            throw where.error("\"" + header + "\" cannot be set for backend \"" + backend
                    + "\": the gateway writes it itself (framing, MCP session, protocol and content negotiation)");
        }
    }
}
