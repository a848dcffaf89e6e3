package dev.mcpgateway.transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * The one writer of a server-sent event stream toward a client. It writes only while the
 * connection's write queue has room and continues when it drains; what waits meanwhile is held
 * here, and when the bytes waiting for one stream (held here or queued in the connection, not yet
 * on the socket) would pass the configured bound, the stream is closed: a client that does not
 * read costs at most that much memory, whatever the upstream sends. Streams whose events are in
 * the event log are resumed from it with {@code Last-Event-ID}. The writer also sends a comment
 * every {@link SseWriters#KEEP_ALIVE_MILLIS} so proxies and clients see a live stream.
 *
 * <p>
 * Every method runs on the response's event loop.
 */
final class SseWriter {

    private static final Logger LOG = Logger.getLogger(SseWriter.class);
    private static final Buffer KEEP_ALIVE = Buffer.buffer(":\n\n");

    private final RoutingContext ctx;
    private final HttpServerResponse resp;
    private final Vertx vertx;
    private final Context context;
    private final SseWriters owner;
    private final long maxQueued;
    private final ArrayDeque<Buffer> waiting = new ArrayDeque<>();
    private final List<Runnable> closeListeners = new ArrayList<>();
    private Runnable drainListener;
    /** Bytes held in {@link #waiting}. */
    private long waitingBytes;
    /** Bytes handed to the response whose write has not completed (in the connection's queue). */
    private long inFlight;
    private long keepAlive = -1;
    private boolean started;
    /** Whether this stream counts among the open streams. */
    private boolean counted;
    private boolean endRequested;
    private boolean closed;

    SseWriter(RoutingContext ctx, Vertx vertx, SseWriters owner, long maxQueued) {
        this.ctx = ctx;
        this.resp = ctx.response();
        this.vertx = vertx;
        this.context = ctx.vertx().getOrCreateContext();
        this.owner = owner;
        this.maxQueued = maxQueued;
    }

    /**
     * Sends the head of the event stream; false when the client is already gone (the stream then
     * counts as closed and the close listeners have run).
     */
    boolean begin() {
        if (started) {
            return !closed;
        }
        started = true;
        if (resp.ended() || resp.closed()) {
            finish();
            return false;
        }
        Sse.begin(resp);
        resp.setWriteQueueMaxSize(owner.writeQueueMaxSize());
        resp.drainHandler(v -> drain());
        resp.closeHandler(v -> finish());
        resp.endHandler(v -> finish());
        counted = true;
        owner.opened();
        keepAlive = vertx.setPeriodic(SseWriters.KEEP_ALIVE_MILLIS, t -> keepAlive());
        return true;
    }

    /** Whether the stream still takes events. */
    boolean isOpen() {
        return started && !closed && !endRequested && !resp.ended() && !resp.closed();
    }

    /**
     * Whether an event written now goes straight to the connection: nothing waits here and the
     * connection's queue has room. Writers that can fetch their events again (from the event log)
     * write only then, and continue in {@link #onDrain}.
     */
    boolean hasRoom() {
        return isOpen() && waiting.isEmpty() && !resp.writeQueueFull();
    }

    /** Bytes waiting to be written: held here or queued in the connection. */
    long queuedBytes() {
        return inFlight + waitingBytes;
    }

    /** The bound on {@link #queuedBytes()}. */
    long maxQueuedBytes() {
        return maxQueued;
    }

    /** Runs {@code listener} whenever the stream has room again after being full. */
    void onDrain(Runnable listener) {
        this.drainListener = listener;
    }

    /** Runs {@code listener} once when the stream ends for any reason: ended, client gone, or too slow. */
    void onClose(Runnable listener) {
        if (closed) {
            listener.run();
        } else {
            closeListeners.add(listener);
        }
    }

    /** Writes one event (or comment); dropped when the stream is not open. */
    void write(Buffer event) {
        if (!isOpen()) {
            return;
        }
        long queued = inFlight + waitingBytes;
        // One event larger than the bound still goes out when nothing waits before it.
        if (queued > 0 && queued + event.length() > maxQueued) {
            overflow(queued + event.length());
            return;
        }
        if (!waiting.isEmpty() || resp.writeQueueFull()) {
            waiting.add(event);
            waitingBytes += event.length();
            owner.queued(inFlight + waitingBytes);
            return;
        }
        send(event);
    }

    void write(String event) {
        write(Buffer.buffer(event));
    }

    /** Ends the stream once everything before has been written; callable from any thread. */
    void end() {
        if (Vertx.currentContext() != context) {
            context.runOnContext(v -> end());
            return;
        }
        if (!isOpen()) {
            return;
        }
        endRequested = true;
        if (waiting.isEmpty()) {
            resp.end();
        }
    }

    /** Writes a last event, then ends the stream. */
    void end(Buffer last) {
        write(last);
        end();
    }

    /** Closes the connection at once, dropping whatever waits; callable from any thread. */
    void abort() {
        if (Vertx.currentContext() != context) {
            context.runOnContext(v -> abort());
            return;
        }
        if (!started || closed || resp.ended()) {
            return;
        }
        dropConnection();
    }

    private void send(Buffer event) {
        int length = event.length();
        inFlight += length;
        owner.queued(inFlight + waitingBytes);
        resp.write(event).onComplete(ar -> inFlight -= length);
    }

    private void drain() {
        if (closed || resp.ended() || resp.closed()) {
            return;
        }
        while (!waiting.isEmpty() && !resp.writeQueueFull()) {
            Buffer next = waiting.poll();
            waitingBytes -= next.length();
            send(next);
        }
        if (waiting.isEmpty() && endRequested) {
            resp.end();
        } else if (drainListener != null && hasRoom()) {
            drainListener.run();
        }
    }

    private void keepAlive() {
        if (isOpen() && waiting.isEmpty() && !resp.writeQueueFull()) {
            send(KEEP_ALIVE.copy());
        }
    }

    /**
     * Closes the stream because its client reads too slowly: {@code wanted} bytes would wait for it,
     * more than the bound.
     */
    void overflow(long wanted) {
        if (!isOpen()) {
            return;
        }
        owner.overflowed();
        LOG.infof("Closed the event stream of %s %s to %s: %d bytes would wait to be written, more than the %d of "
                + "mcp-gateway.limits.stream-write-queue; the client resumes with Last-Event-ID",
                ctx.request().method(), ctx.request().path(), ctx.request().remoteAddress(), wanted, maxQueued);
        dropConnection();
    }

    private void dropConnection() {
        waiting.clear();
        waitingBytes = 0;
        if (ctx.request().version() == HttpVersion.HTTP_2) {
            // Only this stream: the connection may carry others.
            resp.reset();
        } else {
            resp.close();
        }
        finish();
    }

    private void finish() {
        if (closed) {
            return;
        }
        closed = true;
        waiting.clear();
        waitingBytes = 0;
        if (keepAlive >= 0) {
            vertx.cancelTimer(keepAlive);
        }
        if (counted) {
            owner.closed();
        }
        List<Runnable> listeners = new ArrayList<>(closeListeners);
        closeListeners.clear();
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warnf(e, "A listener of a closed event stream failed");
            }
        }
    }
}
