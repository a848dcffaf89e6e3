package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.client.hotrod.configuration.ClientIntelligence;
import org.infinispan.client.hotrod.configuration.ConfigurationBuilder;

import dev.mcpgateway.session.InfinispanSchema;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real Infinispan server nodes for tests, started with {@code infinispan/server.sh} on ports of
 * 127.0.0.1 picked here, forming one loopback cluster under a name of their own. Nodes live in
 * {@code target/infinispan-test}; the server jars are fetched once into {@code infinispan/target/lib}.
 *
 * <p>{@link #shared()} is a two-node cluster started once per test JVM and stopped when it exits;
 * as a {@link QuarkusTestResourceLifecycleManager} it points the gateway at it with
 * {@code mcp-gateway.store=infinispan}.
 */
public class InfinispanServers implements QuarkusTestResourceLifecycleManager, AutoCloseable {

    public static final String USER = "mcp-gateway";
    public static final String PASSWORD = "mcp-gateway-dev";

    private static final Path SCRIPT = Path.of("infinispan", "server.sh");
    private static final Path WORK = Path.of("target", "infinispan-test");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    private static InfinispanServers shared;

    /** One node: its name and ports. */
    public record Node(String name, int hotRodPort, int jgroupsPort, int fdPort) {
    }

    private final String cluster;
    private final List<Node> nodes = new ArrayList<>();

    /** For Quarkus: use {@link #shared()}. */
    public InfinispanServers() {
        this.cluster = null;
    }

    private InfinispanServers(String prefix, int count) {
        this.cluster = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 1; i <= count; i++) {
            int hotRod = freePort();
            while (hotRod < 11222) {
                hotRod = freePort();
            }
            nodes.add(new Node(cluster + "-n" + i, hotRod, freePort(), freePort()));
        }
    }

    /** Starts a cluster of {@code count} nodes, one after the other. */
    public static InfinispanServers start(String prefix, int count) {
        InfinispanServers servers = new InfinispanServers(prefix, count);
        try {
            for (int i = 0; i < count; i++) {
                servers.start(i);
            }
        } catch (RuntimeException e) {
            servers.close();
            throw e;
        }
        return servers;
    }

    /** Two nodes shared by the tests of this JVM, stopped when it exits. */
    public static synchronized InfinispanServers shared() {
        if (shared == null) {
            InfinispanServers servers = start("mcpgw-test", 2);
            Runtime.getRuntime().addShutdownHook(new Thread(servers::close));
            shared = servers;
        }
        return shared;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** The Hot Rod address list of every node, e.g. {@code 127.0.0.1:1234;127.0.0.1:5678}. */
    public String hosts() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.hotRodPort()).collect(Collectors.joining(";"));
    }

    /** (Re)starts node {@code index} on its ports; waits until it serves Hot Rod. */
    public void start(int index) {
        Node node = nodes.get(index);
        String initialHosts = nodes.stream().map(n -> "127.0.0.1[" + n.jgroupsPort() + "]").collect(Collectors.joining(","));
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "start", node.name(),
                String.valueOf(node.hotRodPort() - 11222),
                // Expired entries are found within a second (the default is 10 s), for the expiry tests.
                "-Dmcp.expiration.interval=1000");
        Map<String, String> env = pb.environment();
        env.put("ISPN_WORK", WORK.toAbsolutePath().toString());
        env.put("ISPN_CLUSTER", cluster);
        env.put("ISPN_JGROUPS_PORT", String.valueOf(node.jgroupsPort()));
        env.put("ISPN_FD_PORT", String.valueOf(node.fdPort()));
        env.put("ISPN_INITIAL_HOSTS", initialHosts);
        env.put("ISPN_USER", USER);
        env.put("ISPN_PASSWORD", PASSWORD);
        env.put("ISPN_JAVA_OPTS", "-Xms64m -Xmx384m -XX:+UseSerialGC");
        env.put("ISPN_START_TIMEOUT", String.valueOf(START_TIMEOUT.toSeconds() - 30));
        run(pb, "start " + node.name());
    }

    /**
     * Waits until node {@code index} has installed a cluster view of {@code members} nodes: after a
     * kill, the survivors' view still holds the dead node until failure detection removes it, and a
     * node restarted under the same name before then may join a view that still names its dead
     * incarnation and wait on it.
     */
    public void awaitView(int index, int members, Duration timeout) {
        Path log = WORK.resolve(nodes.get(index).name() + ".log");
        Pattern view = Pattern.compile("ISPN000094: Received new cluster view .*\\((\\d+)\\) \\[");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int last = -1;
            try {
                for (String line : Files.readAllLines(log)) {
                    Matcher m = view.matcher(line);
                    if (m.find()) {
                        last = Integer.parseInt(m.group(1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (last == members) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(nodes.get(index).name() + " still has a view of " + last + " nodes, not "
                        + members + ", after " + timeout);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Stops node {@code index} (SIGTERM to its PID, then SIGKILL). */
    public void stop(int index) {
        Node node = nodes.get(index);
        Path pidFile = WORK.resolve(node.name() + ".pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            });
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            stop(i);
        }
    }

    /**
     * A Hot Rod client for node {@code index} alone (basic intelligence: it neither learns nor uses
     * the other nodes), as one gateway replica connected to one node, with short timeouts.
     */
    public RemoteCacheManager client(int index) {
        return client("127.0.0.1:" + nodes.get(index).hotRodPort(), ClientIntelligence.BASIC);
    }

    /** A Hot Rod client for all nodes. */
    public RemoteCacheManager client() {
        return client(hosts(), ClientIntelligence.HASH_DISTRIBUTION_AWARE);
    }

    private static RemoteCacheManager client(String hosts, ClientIntelligence intelligence) {
        ConfigurationBuilder b = new ConfigurationBuilder();
        b.addServers(hosts)
                .clientIntelligence(intelligence)
                .connectionTimeout(1000)
                .socketTimeout(2000)
                .maxRetries(1)
                .addContextInitializer(new InfinispanSchema());
        b.security().authentication().username(USER).password(PASSWORD);
        return new RemoteCacheManager(b.build());
    }

    // QuarkusTestResourceLifecycleManager: the gateway on the shared cluster.

    @Override
    public Map<String, String> start() {
        InfinispanServers servers = shared();
        return Map.of(
                "mcp-gateway.store", "infinispan",
                // A replica of a cluster store does not start without the key every replica shares.
                "mcp-gateway.signing-key", "infinispan-servers-test-signing-key",
                "quarkus.infinispan-client.hosts", servers.hosts(),
                "quarkus.infinispan-client.username", USER,
                "quarkus.infinispan-client.password", PASSWORD);
    }

    @Override
    public void stop() {
        // The shared cluster outlives a Quarkus test class; it stops with the JVM.
    }

    private static void run(ProcessBuilder pb, String what) {
        try {
            Files.createDirectories(WORK);
            Path out = Files.createTempFile(WORK, "server-sh-", ".out");
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("infinispan/server.sh " + what + " timed out: " + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("infinispan/server.sh " + what + " failed: " + Files.readString(out));
            }
            Files.deleteIfExists(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
