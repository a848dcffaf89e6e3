package dev.mcpgateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real Kafka broker (KRaft mode, from Maven Central jars) on 127.0.0.1, started with
 * {@code deploy/kafka.sh} on a port it picks, and the gateway's events sent to it
 * ({@code mcp-gateway.events.sink=kafka}). The producer's timeouts are short, so a test sees a
 * broker outage end in counted drops within seconds. Tests may stop and restart the broker
 * ({@link #stopBroker()}, {@link #startBroker()}); it comes back on the same port with its topics.
 */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

    public static final String NAME = "gateway-events-test";
    private static final Path SCRIPT = Path.of("deploy/kafka.sh").toAbsolutePath();
    private static final Path WORK = Path.of("target/kafka-broker").toAbsolutePath();

    private static volatile int port;
    private static volatile int controllerPort;

    /** The broker's {@code host:port}. */
    public static String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public Map<String, String> start() {
        port = NodePeers.freePort();
        int controller = NodePeers.freePort();
        script("clean", NAME);
        script(Map.of("KAFKA_CONTROLLER_PORT", Integer.toString(controller)), "start", NAME, Integer.toString(port));
        controllerPort = controller;
        String channel = "mp.messaging.outgoing.mcp-gateway-events.";
        Map<String, String> config = new HashMap<>();
        config.put("mcp-gateway.events.sink", "kafka");
        config.put("mcp-gateway.events.kafka.bootstrap-servers", bootstrap());
        // An outage shows within seconds: a send waits at most this long for the broker.
        config.put(channel + "max.block.ms", "2000");
        config.put(channel + "request.timeout.ms", "2000");
        config.put(channel + "delivery.timeout.ms", "6000");
        return config;
    }

    /** Stops the broker (its data stays). */
    public static void stopBroker() {
        script("stop", NAME);
    }

    /** Starts the stopped broker again on the same ports. */
    public static void startBroker() {
        script(Map.of("KAFKA_CONTROLLER_PORT", Integer.toString(controllerPort)), "start", NAME, Integer.toString(port));
    }

    @Override
    public void stop() {
        script("clean", NAME);
    }

    private static void script(String... args) {
        script(Map.of(), args);
    }

    private static void script(Map<String, String> env, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = SCRIPT.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("KAFKA_WORK", WORK.toString());
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(3, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("deploy/kafka.sh " + String.join(" ", args) + " failed:\n" + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
