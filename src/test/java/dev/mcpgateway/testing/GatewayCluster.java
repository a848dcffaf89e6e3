package dev.mcpgateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway as a cluster, with real processes: Infinispan nodes, gateway replicas as separate
 * JVMs of the packaged jar sharing them, and HAProxy in front (round-robin per request, no
 * stickiness). For failsafe tests ({@code *IT}): {@code mvn package} builds the jar before them.
 *
 * <pre>
 * cluster = GatewayCluster.start("rl", 2, mcpServersJson, Map.of("MCP_GATEWAY_X", "y"));
 * post to cluster.lb() ... cluster.close();
 * </pre>
 */
public final class GatewayCluster implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    private final Path work;
    private final Path config;
    private final Map<String, String> env;
    private final InfinispanServers infinispan;
    private final Process[] replicas;
    private final int[] ports;
    private Process haproxy;
    private int lbPort;

    private GatewayCluster(Path work, Path config, Map<String, String> env, InfinispanServers infinispan, int replicas) {
        this.work = work;
        this.config = config;
        this.env = env;
        this.infinispan = infinispan;
        this.replicas = new Process[replicas];
        this.ports = new int[replicas];
    }

    /** Whether HAProxy is installed (tests assume it, and are skipped without it). */
    public static boolean haproxyInstalled() {
        try {
            return new ProcessBuilder("haproxy", "-v").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Starts 2 Infinispan nodes, {@code replicas} gateway replicas on {@code mcpServersJson} and
     * HAProxy, and waits until all are ready.
     *
     * @param name names the temporary folder and the Infinispan nodes
     * @param env settings of every replica beyond the store, hosts, signing key and replica name
     */
    public static GatewayCluster start(String name, int replicas, String mcpServersJson, Map<String, String> env)
            throws IOException {
        assertThat(JAR).as("the packaged gateway (mvn package runs before this test)").exists();
        Path work = Files.createTempDirectory(name + "-cluster");
        Path config = work.resolve("mcp-servers.json");
        Files.writeString(config, mcpServersJson);
        GatewayCluster cluster = new GatewayCluster(work, config, Map.copyOf(env), InfinispanServers.start(name, 2),
                replicas);
        try {
            for (int i = 0; i < replicas; i++) {
                cluster.ports[i] = NodePeers.freePort();
                cluster.replicas[i] = cluster.startReplica(i);
            }
            for (int i = 0; i < replicas; i++) {
                cluster.waitReady(i);
            }
            cluster.startHaproxy();
            return cluster;
        } catch (IOException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private Process startReplica(int i) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString(), "run", "--mcp-config",
                config.toString(), "--port", String.valueOf(ports[i]), "--host", "127.0.0.1")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("replica" + i + ".log").toFile()));
        Map<String, String> e = pb.environment();
        e.put("MCP_GATEWAY_STORE", "infinispan");
        e.put("QUARKUS_INFINISPAN_CLIENT_HOSTS", infinispan.hosts());
        e.put("MCP_GATEWAY_SIGNING_KEY", "cluster-it-shared-secret");
        e.put("MCP_GATEWAY_REPLICA_NAME", "r" + i);
        e.putAll(env);
        return pb.start();
    }

    private void startHaproxy() throws IOException {
        lbPort = NodePeers.freePort();
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < ports.length; i++) {
            servers.append("    server r").append(i).append(" 127.0.0.1:").append(ports[i]).append(" check\n");
        }
        Path cfg = work.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                global
                    maxconn 2000
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 5m
                    timeout server 5m
                    option redispatch
                    option http-no-delay
                    retries 3
                frontend mcp
                    bind 127.0.0.1:%d
                    default_backend gateways
                backend gateways
                    balance roundrobin
                    option httpchk GET /q/health/live
                    default-server inter 500ms fall 2 rise 2
                %s""".formatted(lbPort, servers));
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("haproxy.log").toFile()).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> listening(lbPort));
    }

    private static boolean listening(int port) {
        try (var s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The MCP endpoint {@code path} (e.g. {@code /mcp}) behind the load balancer. */
    public String lb(String path) {
        return "http://127.0.0.1:" + lbPort + path;
    }

    /** The default MCP endpoint behind the load balancer. */
    public String lb() {
        return lb("/mcp");
    }

    /** The base URL of replica {@code i} (e.g. for {@code /q/metrics}). */
    public String replica(int i) {
        return "http://127.0.0.1:" + ports[i];
    }

    public int replicaPort(int i) {
        return ports[i];
    }

    public int replicaCount() {
        return ports.length;
    }

    public InfinispanServers infinispan() {
        return infinispan;
    }

    /** The folder holding the config file and every process's log. */
    public Path work() {
        return work;
    }

    /** Kills replica {@code i} with SIGKILL, and the processes it started (stdio upstreams). */
    public void kill(int i) throws InterruptedException {
        List<ProcessHandle> children = replicas[i].descendants().toList();
        replicas[i].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Starts replica {@code i} again on its port and waits until it is ready. */
    public void restart(int i) throws IOException {
        replicas[i] = startReplica(i);
        waitReady(i);
    }

    /** Waits until replica {@code i} answers its readiness check. */
    public void waitReady(int i) {
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create(replica(i) + "/q/health/ready");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
            try {
                return http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Stops HAProxy, the replicas (and what they started) and the Infinispan nodes. */
    @Override
    public void close() {
        if (haproxy != null) {
            haproxy.destroy();
        }
        for (Process r : replicas) {
            if (r != null) {
                List<ProcessHandle> children = r.descendants().toList();
                r.destroy();
                try {
                    r.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                r.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
            }
        }
        infinispan.close();
    }

    /** Settings for {@link #start}: an insertion-ordered map, for readability at the call site. */
    public static Map<String, String> env(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
