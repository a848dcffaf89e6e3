package dev.mcpgateway.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * Lines for an output stream, written together: a request adds its line to a buffer, and one
 * thread writes whatever the buffer holds every flush interval, in one write. Nothing on the
 * request's thread waits for the output or wakes another thread. The buffer is bounded: when the
 * output does not keep up (a blocked pipe), lines past the bound are dropped and counted, and the
 * next write says how many.
 */
final class BatchedLines implements AutoCloseable {

    private final OutputStream out;
    private final int maxChars;
    private final long intervalNanos;
    private final Thread flusher;
    private StringBuilder pending = new StringBuilder(8192);
    private long dropped;
    private volatile boolean closed;

    BatchedLines(OutputStream out, long maxBytes, Duration interval, String threadName) {
        this.out = out;
        this.maxChars = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(1024, maxBytes));
        this.intervalNanos = Math.max(1, interval.toNanos());
        this.flusher = Thread.ofPlatform().daemon().name(threadName).unstarted(this::run);
        flusher.start();
    }

    /** Adds one line (without its line end); dropped when the buffer is full. */
    void add(CharSequence line) {
        synchronized (this) {
            if (pending.length() + line.length() + 1 > maxChars) {
                dropped++;
                return;
            }
            pending.append(line).append('\n');
        }
    }

    /** Writes what the buffer holds now. */
    void flush() {
        StringBuilder text;
        long lost;
        synchronized (this) {
            if (pending.isEmpty() && dropped == 0) {
                return;
            }
            text = pending;
            lost = dropped;
            pending = new StringBuilder(Math.min(maxChars, Math.max(8192, text.length())));
            dropped = 0;
        }
        if (lost > 0) {
            text.append(Timestamps.utc(Instant.now())).append(" access_log_dropped=").append(lost)
                    .append(" reason=\"the output did not keep up\"\n");
        }
        try {
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // Standard output is gone: nothing else to tell it to.
        }
    }

    private void run() {
        while (!closed) {
            LockSupport.parkNanos(this, intervalNanos);
            flush();
        }
    }

    /** Writes what is left and stops the flushing thread. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(flusher);
        try {
            flusher.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }
}
