package dev.mcpgateway.console;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.metrics.RequestObserver;

/**
 * The last minutes of traffic, as a ring of fixed intervals per series (all client requests, each
 * MCP method, each backend's upstream requests): a count, an error count and a latency histogram
 * per interval. Recording is a few atomic increments, no allocation and no lock; a writer that
 * races with the reset of a reused interval may lose its count (the chart is a view, not a bill).
 *
 * <p>Latencies fall in log-linear buckets of microseconds, four per power of two (a bucket is at
 * most 25% wide), so a percentile is the middle of its bucket: within about 12% of the truth.
 */
final class TrafficWindow implements RequestObserver {

    static final long INTERVAL_MILLIS = 5_000;
    static final int SLOTS = 72;
    static final int BUCKETS = 108;
    /** Most series of one kind: method names are bounded by the gateway, backends by the configuration. */
    static final int MAX_SERIES = 256;
    private static final int STRIDE = 2 + BUCKETS;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** One series: per slot, the interval it holds (epoch), and count, errors, buckets. */
    static final class Series {
        final AtomicLongArray epochs = new AtomicLongArray(SLOTS);
        final AtomicLongArray data = new AtomicLongArray(SLOTS * STRIDE);

        Series() {
            for (int i = 0; i < SLOTS; i++) {
                epochs.set(i, -1);
            }
        }

        void record(long epoch, long nanos, boolean error) {
            int slot = (int) (epoch % SLOTS);
            long seen = epochs.get(slot);
            if (seen != epoch && seen < epoch && epochs.compareAndSet(slot, seen, epoch)) {
                int base = slot * STRIDE;
                for (int i = 0; i < STRIDE; i++) {
                    data.set(base + i, 0);
                }
            } else if (seen > epoch) {
                return;
            }
            int base = slot * STRIDE;
            data.incrementAndGet(base);
            if (error) {
                data.incrementAndGet(base + 1);
            }
            data.incrementAndGet(base + 2 + bucket(nanos / 1000));
        }
    }

    /** When a backend last failed, and how (error or timeout). */
    record LastError(long at, String outcome) {
    }

    private final LongSupplier clock;
    private final Map<String, LastError> lastErrors = new ConcurrentHashMap<>();
    private final Series total = new Series();
    private final Map<String, Series> methods = new ConcurrentHashMap<>();
    private final Map<String, Series> backends = new ConcurrentHashMap<>();

    TrafficWindow(LongSupplier clock) {
        this.clock = clock;
    }

    TrafficWindow() {
        this(System::currentTimeMillis);
    }

    @Override
    public void request(String method, String backend, String outcome, long nanos) {
        long epoch = clock.getAsLong() / INTERVAL_MILLIS;
        boolean error = !"ok".equals(outcome);
        total.record(epoch, nanos, error);
        Series s = series(methods, method);
        if (s != null) {
            s.record(epoch, nanos, error);
        }
    }

    @Override
    public void upstream(String backend, String outcome, long nanos) {
        long now = clock.getAsLong();
        boolean error = !"ok".equals(outcome);
        Series s = series(backends, backend);
        if (s != null) {
            s.record(now / INTERVAL_MILLIS, nanos, error);
        }
        if (error && (lastErrors.containsKey(backend) || lastErrors.size() < MAX_SERIES)) {
            lastErrors.put(backend, new LastError(now, outcome));
        }
    }

    /** The last failure of a backend's request, or null. */
    LastError lastError(String backend) {
        return lastErrors.get(backend);
    }

    private static Series series(Map<String, Series> map, String key) {
        Series s = map.get(key);
        if (s == null && key != null && map.size() < MAX_SERIES) {
            s = map.computeIfAbsent(key, k -> new Series());
        }
        return s;
    }

    /** The bucket of a latency in microseconds. */
    static int bucket(long micros) {
        if (micros < 4) {
            return (int) Math.max(0, micros);
        }
        int log = 63 - Long.numberOfLeadingZeros(micros);
        int idx = 4 + (log - 2) * 4 + (int) ((micros >>> (log - 2)) & 3);
        return Math.min(idx, BUCKETS - 1);
    }

    /** The middle of a bucket, in microseconds. */
    static double middle(int bucket) {
        if (bucket < 4) {
            return bucket + 0.5;
        }
        int log = (bucket - 4) / 4 + 2;
        long sub = (bucket - 4) % 4;
        long lower = (4 + sub) << (log - 2);
        long upper = (5 + sub) << (log - 2);
        return (lower + upper) / 2.0;
    }

    /** The q-quantile (0..1) of a histogram, in milliseconds; 0 when it is empty. */
    static double quantile(long[] buckets, long count, double q) {
        if (count <= 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * count));
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return Math.round(middle(i)) / 1000.0;
            }
        }
        return Math.round(middle(buckets.length - 1)) / 1000.0;
    }

    /**
     * The window as JSON: interval starts ({@code t}, epoch millis, oldest first, the current one
     * last) and, per series, requests per second, errors, p50 and p99 in milliseconds per interval.
     *
     * @param minutes how far back (at most the window's length)
     */
    ObjectNode snapshot(int minutes) {
        long now = clock.getAsLong();
        long current = now / INTERVAL_MILLIS;
        int points = (int) Math.max(1, Math.min(SLOTS, minutes * 60_000L / INTERVAL_MILLIS));
        ObjectNode out = JSON.objectNode();
        out.put("intervalSeconds", INTERVAL_MILLIS / 1000);
        out.put("now", now);
        ArrayNode t = out.putArray("t");
        for (long e = current - points + 1; e <= current; e++) {
            t.add(e * INTERVAL_MILLIS);
        }
        double currentSeconds = Math.max(1.0, (now - current * INTERVAL_MILLIS) / 1000.0);
        out.set("total", series(total, current, points, currentSeconds));
        ObjectNode m = out.putObject("methods");
        new java.util.TreeMap<>(methods).forEach((k, s) -> m.set(k, series(s, current, points, currentSeconds)));
        ObjectNode b = out.putObject("backends");
        new java.util.TreeMap<>(backends).forEach((k, s) -> b.set(k, series(s, current, points, currentSeconds)));
        return out;
    }

    private static ObjectNode series(Series s, long current, int points, double currentSeconds) {
        ObjectNode o = JSON.objectNode();
        ArrayNode rps = o.putArray("rps");
        ArrayNode errors = o.putArray("errors");
        ArrayNode p50 = o.putArray("p50");
        ArrayNode p99 = o.putArray("p99");
        long[] buckets = new long[BUCKETS];
        long[] all = new long[BUCKETS];
        long requests = 0;
        long failed = 0;
        for (long e = current - points + 1; e <= current; e++) {
            long count = read(s, e, buckets);
            int base = (int) (e % SLOTS) * STRIDE;
            long err = count == 0 ? 0 : s.data.get(base + 1);
            double seconds = e == current ? currentSeconds : INTERVAL_MILLIS / 1000.0;
            rps.add(Math.round(count / seconds * 100) / 100.0);
            errors.add(err);
            p50.add(quantile(buckets, count, 0.50));
            p99.add(quantile(buckets, count, 0.99));
            for (int i = 0; i < BUCKETS; i++) {
                all[i] += buckets[i];
            }
            requests += count;
            failed += err;
        }
        o.put("requests", requests);
        o.put("errorCount", failed);
        o.put("p50Window", quantile(all, requests, 0.50));
        o.put("p90Window", quantile(all, requests, 0.90));
        o.put("p99Window", quantile(all, requests, 0.99));
        return o;
    }

    /** Copies one interval's buckets; answers its count (0 when the slot holds another interval). */
    private static long read(Series s, long epoch, long[] buckets) {
        int slot = (int) (epoch % SLOTS);
        java.util.Arrays.fill(buckets, 0);
        if (s.epochs.get(slot) != epoch) {
            return 0;
        }
        int base = slot * STRIDE;
        long count = 0;
        for (int i = 0; i < BUCKETS; i++) {
            buckets[i] = s.data.get(base + 2 + i);
            count += buckets[i];
        }
        return count;
    }
}
