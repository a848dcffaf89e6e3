package dev.mcpgateway.testing;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * src/test/node/cache-upstream.mjs: an MCP server (TypeScript SDK) whose tools count their calls,
 * annotated read-only and idempotent or not, for the result cache's tests.
 */
public final class CacheUpstream implements AutoCloseable {

    private static final Pattern COUNT = Pattern.compile("#(\\d+) ");

    private final Process process;
    private final int port;

    private CacheUpstream(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static CacheUpstream start() {
        NodePeers.requireInstalled();
        int port = NodePeers.freePort();
        ProcessBuilder pb = new ProcessBuilder(List.of(NodePeers.node(), "cache-upstream.mjs"))
                .directory(NodePeers.DIR.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(port));
        return new CacheUpstream(NodePeers.startAndWait(pb, "cache-upstream listening on", "cache-upstream:" + port), port);
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    public int port() {
        return port;
    }

    /** The call count in a tool's answer text ({@code <tool> #<n> key=<key>}). */
    public static int count(String text) {
        Matcher m = COUNT.matcher(text);
        if (!m.find()) {
            throw new AssertionError("no call count in " + text);
        }
        return Integer.parseInt(m.group(1));
    }

    @Override
    public void close() {
        NodePeers.stop(process);
    }
}
