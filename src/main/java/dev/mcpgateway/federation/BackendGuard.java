package dev.mcpgateway.federation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.Resilience;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.upstream.UpstreamErrors;

/**
 * One backend's circuit breaker and concurrency bound on this replica. Closed, a call costs a read
 * of the state and, with a bound, an increment and a decrement of the in-flight count. After
 * {@code failureThreshold} consecutive failures the circuit opens: calls are refused without
 * reaching the backend. After {@code openFor}, one call goes through as a probe (half-open): its
 * success closes the circuit, its failure opens it again.
 */
final class BackendGuard {

    private static final Logger LOG = Logger.getLogger(BackendGuard.class);

    /** Listings kept per backend for callers whose backend's circuit opened (hide off). */
    private static final int MAX_LISTINGS = 64;

    /** A circuit's state; {@code value} is what the gauge shows. */
    enum State {
        CLOSED("closed", 0),
        OPEN("open", 1),
        HALF_OPEN("half-open", 2);

        final String label;
        final int value;

        State(String label, int value) {
            this.label = label;
            this.value = value;
        }
    }

    /** {@link #acquire()}: refused by the circuit. */
    static final int REFUSED_CIRCUIT = 0;
    /** {@link #acquire()}: refused by the concurrency bound. */
    static final int REFUSED_BULKHEAD = 1;
    /** {@link #acquire()}: the call goes through. */
    static final int PERMITTED = 2;
    /** {@link #acquire()}: the call goes through as the probe of a half-open circuit. */
    static final int PROBE = 3;

    final String route;
    final String backend;
    final Resilience settings;
    private final long openForNanos;
    private final LongSupplier clock;
    private final AtomicReference<State> state = new AtomicReference<>(State.CLOSED);
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long openedAt;
    /** The last {@code tools/list} answers, by caller and cursor; only with a breaker and hide off. */
    private final Map<String, JsonRpcResponse> listings;

    BackendGuard(String route, String backend, Resilience settings, LongSupplier clock) {
        this.route = route;
        this.backend = backend;
        this.settings = settings;
        this.openForNanos = settings.openFor().toNanos();
        this.clock = clock;
        this.listings = settings.failureThreshold() > 0 && !settings.hideWhenOpen()
                ? new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, JsonRpcResponse> eldest) {
                        return size() > MAX_LISTINGS;
                    }
                }
                : null;
    }

    State state() {
        return state.get();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** One of {@link #REFUSED_CIRCUIT}, {@link #REFUSED_BULKHEAD}, {@link #PERMITTED}, {@link #PROBE}. */
    int acquire() {
        boolean probe = false;
        State s = state.get();
        if (s != State.CLOSED) {
            if (s == State.HALF_OPEN || clock.getAsLong() - openedAt < openForNanos
                    || !state.compareAndSet(State.OPEN, State.HALF_OPEN)) {
                return REFUSED_CIRCUIT;
            }
            probe = true;
            LOG.infof("Backend %s (route %s): circuit half-open, one call goes through as a probe", backend, route);
        }
        int max = settings.maxConcurrent();
        if (max > 0 && inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            if (probe) {
                // openedAt is unchanged, so the next call probes instead.
                state.set(State.OPEN);
            }
            return REFUSED_BULKHEAD;
        }
        return probe ? PROBE : PERMITTED;
    }

    /** The end of a call {@link #acquire()} permitted: {@code failure} null when it got an answer. */
    void release(int permit, Throwable failure) {
        if (settings.maxConcurrent() > 0) {
            inFlight.decrementAndGet();
        }
        if (settings.failureThreshold() <= 0) {
            return;
        }
        boolean failed = failure != null && countsAgainst(failure);
        if (permit == PROBE) {
            if (failed) {
                open("the probe failed: " + failure.getMessage());
            } else {
                failures.set(0);
                state.set(State.CLOSED);
                LOG.infof("Backend %s (route %s): circuit closed, the probe succeeded", backend, route);
            }
            return;
        }
        if (!failed) {
            if (failures.get() != 0) {
                failures.set(0);
            }
            return;
        }
        if (failures.incrementAndGet() >= settings.failureThreshold() && state.get() == State.CLOSED) {
            open(settings.failureThreshold() + " consecutive failures, the last: " + failure.getMessage());
        }
    }

    private void open(String why) {
        // openedAt first: a reader that sees OPEN must see when it opened.
        openedAt = clock.getAsLong();
        State before = state.getAndSet(State.OPEN);
        if (before != State.OPEN) {
            LOG.warnf("Backend %s (route %s): circuit open for %d ms after %s", backend, route,
                    settings.openFor().toMillis(), why);
        }
    }

    /** Whether the backend's tools leave listings now: hidden while open, listed again once a probe may go. */
    boolean hidesTools() {
        if (!settings.hideWhenOpen()) {
            return false;
        }
        State s = state.get();
        return s == State.HALF_OPEN || s == State.OPEN && clock.getAsLong() - openedAt < openForNanos;
    }

    /**
     * Whether a failed call says the backend is unwell: it could not be reached, timed out, broke
     * the connection, answered 5xx (or 408, 429), or answered something that is not JSON-RPC. A
     * JSON-RPC error or an {@code isError} result is an answer, and so is an ended upstream session
     * (the gateway opens a new one), a message over the gateway's size bound, a bound of the gateway's
     * own (stdio processes), or another 4xx (a caller's credentials, say).
     */
    boolean countsAgainst(Throwable t) {
        if (!(t instanceof JsonRpcException e)) {
            return false;
        }
        int code = e.error().code();
        if (code != ErrorCodes.UPSTREAM_UNAVAILABLE && code != ErrorCodes.UPSTREAM_TIMEOUT) {
            return false;
        }
        JsonNode data = e.error().data();
        if (data == null || !backend.equals(data.path("backend").asText(null)) || UpstreamErrors.isSessionExpired(t)
                || data.has("limit")) {
            // Not this backend's failure (a gateway error, another backend's), or not a sign of ill health.
            return false;
        }
        String msg = e.getMessage();
        if (msg == null || msg.contains("mcp-gateway.") || msg.endsWith("the gateway is shutting down")) {
            // A bound of the gateway's own (it names its setting), or the gateway stopping.
            return false;
        }
        int http = msg.indexOf("unavailable: HTTP 4");
        return http < 0 || msg.startsWith("408", http + 18) || msg.startsWith("429", http + 18);
    }

    /** The error for a refused call, naming the backend and why. */
    JsonRpcException refusal(int permit) {
        JsonRpcException e;
        if (permit == REFUSED_BULKHEAD) {
            e = UpstreamErrors.unavailable(backend, settings.maxConcurrent()
                    + " requests to it are already in flight from this gateway replica (its maxConcurrent)");
            ((com.fasterxml.jackson.databind.node.ObjectNode) e.error().data()).put("maxConcurrent",
                    settings.maxConcurrent());
        } else {
            long wait = Math.max(0, (openedAt + openForNanos - clock.getAsLong()) / 1_000_000);
            e = UpstreamErrors.unavailable(backend, "its circuit is open after " + settings.failureThreshold()
                    + " consecutive failures" + (state.get() == State.HALF_OPEN ? "; a probe is in flight"
                            : "; the next call in " + wait + " ms goes through as a probe"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) e.error().data()).put("circuit", state.get().label);
        }
        return e;
    }

    /** Remembers a {@code tools/list} answer (a copy: the caller's will be rewritten). */
    void rememberListing(String key, JsonRpcResponse response) {
        if (listings == null || response.isError() || response.result() == null) {
            return;
        }
        JsonRpcResponse copy = JsonRpcResponse.result(response.id(), response.result().deepCopy());
        synchronized (listings) {
            listings.put(key, copy);
        }
    }

    /** The last {@code tools/list} answer for the key (a copy), or null. */
    JsonRpcResponse listing(String key, JsonNode id) {
        if (listings == null) {
            return null;
        }
        JsonRpcResponse r;
        synchronized (listings) {
            r = listings.get(key);
        }
        return r == null ? null : JsonRpcResponse.result(id, r.result().deepCopy());
    }
}
