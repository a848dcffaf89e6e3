package dev.mcpgateway.upstream;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * One child process of a stdio backend. It starts with only the environment its config names,
 * takes its input through a queue bounded in bytes, and is read in lines bounded by the largest
 * message accepted; stderr goes to the log.
 */
final class StdioProcess {

    /**
     * Variables a child takes from the gateway's environment, when set: what finding programs, a
     * home folder, a locale, temporary files and the time zone need, and nothing that holds a secret.
     * Everything else it gets is named by its backend's {@code env} or {@code inheritEnv}.
     */
    static final List<String> BASE_ENVIRONMENT = List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL",
            "LC_CTYPE", "TMPDIR", "TZ");

    /** What the process says and when it ends, reported from its own threads. */
    interface Events {
        void line(StdioProcess process, byte[] line);

        void overlong(StdioProcess process, long size, JsonNode responseId);

        void exited(StdioProcess process);
    }

    private static final Logger LOG = Logger.getLogger(StdioProcess.class);
    private static final byte[] END_OF_INPUT = new byte[0];
    private static final long KILL_GRACE_MILLIS = 2000;
    /** How long an exit waits for the stdout reader to deliver the last lines the process wrote. */
    private static final long DRAIN_MILLIS = 1000;

    final long startedNanos = System.nanoTime();
    private final String backend;
    private final Process process;
    private final long maxMessageSize;
    /** The input queue's bound: a process that stops reading fails new messages past it. */
    private final long maxQueuedBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final BlockingQueue<byte[]> input = new LinkedBlockingQueue<>();
    private final Events events;
    volatile boolean initialized;
    volatile boolean exited;
    volatile boolean stopping;
    private Thread reader;

    private StdioProcess(String backend, Process process, long maxMessageSize, Events events) {
        this.backend = backend;
        this.process = process;
        this.maxMessageSize = maxMessageSize;
        this.maxQueuedBytes = 2 * maxMessageSize;
        this.events = events;
    }

    /** Forks the backend's command (blocking: keep it off the event loop) and starts pumping. */
    static StdioProcess start(BackendConfig config, long maxMessageSize, Events events) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(config.command());
        if (config.args() != null) {
            command.addAll(config.args());
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        // Never the gateway's own environment: it holds the gateway's credentials.
        pb.environment().clear();
        pb.environment().putAll(environment(config, System.getenv()));
        if (config.cwd() != null && !config.cwd().isBlank()) {
            pb.directory(new File(config.cwd()));
        }
        pb.redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE);
        StdioProcess p = new StdioProcess(config.name(), pb.start(), maxMessageSize, events);
        p.pump();
        return p;
    }

    /** The environment of a child: the base names and {@code inheritEnv} from the gateway's, then {@code env}. */
    static Map<String, String> environment(BackendConfig config, Map<String, String> gateway) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : BASE_ENVIRONMENT) {
            String value = gateway.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        for (String name : config.inheritEnv()) {
            String value = gateway.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        if (config.env() != null) {
            env.putAll(config.env());
        }
        return env;
    }

    long pid() {
        return process.pid();
    }

    int exitValue() {
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * Queues one message for the process's input. Fails, naming the backend, when the process has
     * exited or has left more than the bound unread.
     */
    Future<Void> send(JsonRpcMessage message) {
        if (exited) {
            return Future.failedFuture(UpstreamErrors.unavailable(backend, "its process is not running"));
        }
        byte[] line = JsonRpcCodec.encode(message);
        long queued = queuedBytes.addAndGet(line.length);
        // One message always fits an empty queue, however large.
        if (queued > maxQueuedBytes && queued != line.length) {
            queuedBytes.addAndGet(-line.length);
            return Future.failedFuture(UpstreamErrors.unavailable(backend, "its process (pid " + pid()
                    + ") is not reading its input: " + (queued - line.length) + " bytes wait for it, and at most "
                    + maxQueuedBytes + " (twice mcp-gateway.upstream.max-message-size) may"));
        }
        input.add(line);
        return Future.succeededFuture();
    }

    /**
     * Ends the process the way the spec asks: close its input, then SIGTERM, then SIGKILL after a
     * grace. Waits only when asked and off the event loop.
     */
    void stop(boolean wait) {
        stopping = true;
        input.add(END_OF_INPUT);
        // Descendants are no longer ours once the parent is gone, so take them first.
        List<ProcessHandle> descendants = process.descendants().toList();
        Runnable kill = () -> {
            process.destroy();
            descendants.forEach(ProcessHandle::destroy);
            try {
                if (!process.waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        };
        if (wait && !Context.isOnEventLoopThread()) {
            kill.run();
        } else {
            Thread.ofVirtual().name("stdio-stop-" + backend).start(kill);
        }
    }

    // ---- pumping -------------------------------------------------------------------------------

    private void pump() {
        String suffix = backend + "-" + process.pid();
        reader = daemon("stdio-out-" + suffix, this::readStdout);
        daemon("stdio-err-" + suffix, this::readStderr);
        daemon("stdio-in-" + suffix, this::writeStdin);
        process.onExit().thenRun(() -> Thread.ofVirtual().name("stdio-exit-" + suffix).start(this::onExit));
    }

    private void onExit() {
        try {
            reader.join(DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exited = true;
        input.add(END_OF_INPUT);
        events.exited(this);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void readStdout() {
        BoundedLineReader lines = new BoundedLineReader(process.getInputStream(), maxMessageSize,
                new BoundedLineReader.Handler() {
                    @Override
                    public void line(byte[] line) {
                        try {
                            events.line(StdioProcess.this, line);
                        } catch (RuntimeException e) {
                            LOG.errorf(e, "Backend %s: failed to route a message", backend);
                        }
                    }

                    @Override
                    public void overlong(long size, JsonNode responseId) {
                        try {
                            events.overlong(StdioProcess.this, size, responseId);
                        } catch (RuntimeException e) {
                            LOG.errorf(e, "Backend %s: failed to report an over-long message", backend);
                        }
                    }
                });
        try {
            lines.run();
        } catch (IOException e) {
            LOG.debugf("Backend %s: stdout closed: %s", backend, e.getMessage());
        }
    }

    private void readStderr() {
        BoundedLineReader lines = new BoundedLineReader(process.getErrorStream(), maxMessageSize,
                new BoundedLineReader.Handler() {
                    @Override
                    public void line(byte[] line) {
                        LOG.infof("Backend %s (stderr): %s", backend, new String(line, StandardCharsets.UTF_8));
                    }

                    @Override
                    public void overlong(long size, JsonNode responseId) {
                        LOG.warnf("Backend %s wrote a line of %d bytes to stderr, over %d; skipped", backend, size,
                                maxMessageSize);
                    }
                });
        try {
            lines.run();
        } catch (IOException e) {
            LOG.debugf("Backend %s: stderr closed: %s", backend, e.getMessage());
        }
    }

    private void writeStdin() {
        try (OutputStream os = process.getOutputStream()) {
            while (true) {
                byte[] line = input.take();
                if (line == END_OF_INPUT) {
                    return;
                }
                os.write(line);
                os.write('\n');
                queuedBytes.addAndGet(-line.length);
                if (input.isEmpty()) {
                    os.flush();
                }
            }
        } catch (IOException e) {
            if (!exited && !stopping) {
                // It closed its input but lives on: nothing more can reach it, so replace it.
                LOG.warnf("Backend %s: writing to pid %d failed (%s); stopping it", backend, process.pid(),
                        e.getMessage());
                process.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
