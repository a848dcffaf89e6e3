package dev.mcpgateway.transport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import org.jboss.logging.Logger;

import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.EventLog.StoredEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Writes the events of one logged stream after a position, then follows it live. The log is the
 * source of truth, so nothing is held for a client that reads slowly: events are written only
 * while the connection has room, and when it drains the rest is read from the log again. A client
 * whose lag grows by more than {@code mcp-gateway.limits.stream-write-queue} (the log grows faster
 * than it reads) has its stream closed, and resumes with {@code Last-Event-ID}; a client catching
 * up on a long backlog at full speed is not cut off. A POST
 * stream ends after its response; the standalone stream stays open.
 *
 * <p>
 * Runs on the event loop of the response.
 */
final class LogTail {

    private static final Logger LOG = Logger.getLogger(LogTail.class);

    private final EventLog log;
    private final SseWriter writer;
    private final String streamId;
    private final boolean endAfterResponse;
    private final GatewayMetrics metrics;
    private final Context context;
    /** Events read from the log, not yet written. */
    private final ArrayDeque<StoredEvent> ready = new ArrayDeque<>();
    /** The last event written (or skipped as empty). */
    private long delivered;
    /** The log has events after {@link #delivered} that are not in {@link #ready}. */
    private boolean behind;
    private boolean reading;
    /**
     * How much further behind the log this client has fallen since it was last caught up: bytes
     * appended while it was behind, less bytes written to it since. Grows only while the log
     * grows faster than the client reads.
     */
    private long lag;
    /** A POST stream whose response is logged: it ends once everything is written. */
    private boolean complete;
    private boolean stopped;
    private AutoCloseable subscription;

    LogTail(EventLog log, SseWriter writer, String streamId, long after, boolean endAfterResponse, GatewayMetrics metrics) {
        this.log = log;
        this.writer = writer;
        this.streamId = streamId;
        this.delivered = after;
        this.endAfterResponse = endAfterResponse;
        this.metrics = metrics;
        this.context = Vertx.currentContext();
    }

    void start() {
        // Subscribe before reading so nothing appended in between is missed.
        subscription = log.subscribe(streamId, e -> onContext(() -> appended(e)));
        writer.onClose(this::stop);
        writer.onDrain(this::pump);
        read(true);
    }

    private void appended(StoredEvent e) {
        // Already written, or already read from the log and waiting to be written.
        if (stopped || e.seq() <= (ready.isEmpty() ? delivered : ready.peekLast().seq())) {
            return;
        }
        if (!behind && !reading && ready.isEmpty() && e.seq() == delivered + 1 && writer.hasRoom()) {
            write(e);
            return;
        }
        // Not kept: it is read from the log again when the client catches up.
        behind = true;
        lag += e.data() == null ? 0 : e.data().length();
        long owed = lag + writer.queuedBytes();
        if (owed > writer.maxQueuedBytes()) {
            writer.overflow(owed);
        }
    }

    private void read(boolean first) {
        reading = true;
        behind = false;
        log.readAfter(streamId, delivered).onComplete(ar -> onContext(() -> {
            reading = false;
            if (stopped) {
                return;
            }
            if (ar.failed()) {
                LOG.warnf("Cannot read the event log of stream %s: %s", streamId, ar.cause().getMessage());
                writer.abort();
                return;
            }
            if (first) {
                metrics.eventsReplayed(ar.result().size());
            }
            long last = ready.isEmpty() ? delivered : ready.peekLast().seq();
            for (StoredEvent e : ar.result()) {
                if (e.seq() > last) {
                    ready.add(e);
                    last = e.seq();
                }
            }
            if (first && endAfterResponse) {
                log.isComplete(streamId).onSuccess(done -> onContext(() -> {
                    complete = done;
                    pump();
                }));
            }
            pump();
        }));
    }

    private void pump() {
        while (!stopped && !ready.isEmpty() && writer.hasRoom()) {
            write(ready.poll());
        }
        if (stopped || !ready.isEmpty() || reading || !writer.hasRoom()) {
            return;
        }
        if (behind) {
            read(false);
        } else if (complete) {
            writer.end();
            stop();
        }
    }

    private void write(StoredEvent e) {
        delivered = e.seq();
        if (e.data() == null || e.data().isEmpty()) {
            return;
        }
        lag = Math.max(0, lag - e.data().length());
        writer.write(Sse.event(e.eventId(), e.data()));
        if (endAfterResponse && isResponse(e.data())) {
            writer.end();
            stop();
        }
    }

    private void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        ready.clear();
        try {
            if (subscription != null) {
                subscription.close();
            }
        } catch (Exception ignored) {
            // Closing a subscription cannot meaningfully fail.
        }
    }

    private void onContext(Runnable r) {
        if (Vertx.currentContext() == context) {
            r.run();
        } else {
            context.runOnContext(v -> r.run());
        }
    }

    private static boolean isResponse(String data) {
        try {
            return JsonRpcCodec
                    .decode(JsonRpcCodec.parseTree(data.getBytes(StandardCharsets.UTF_8))) instanceof JsonRpcResponse;
        } catch (JsonRpcException e) {
            return false;
        }
    }
}
