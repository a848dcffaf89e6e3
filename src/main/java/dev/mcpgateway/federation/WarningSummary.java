package dev.mcpgateway.federation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;

/**
 * A warning a peer can trigger at will, logged once per key (a session) and window, with the count
 * of the ones left out logged when the window closes: one bad batch of 10,000 messages writes two
 * lines, not 10,000.
 */
final class WarningSummary {

    private static final long WINDOW_MILLIS = 1000;

    private final Logger log;
    private final String format;
    private final Vertx vertx;
    /** Open windows by key; each closes (and leaves) a second after it opened. */
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        final AtomicLong suppressed = new AtomicLong();
    }

    WarningSummary(Logger log, String format, Vertx vertx) {
        this.log = log;
        this.format = format;
        this.vertx = vertx;
    }

    /** Logs the warning unless one for this key was logged in the current window. */
    void warn(String key, Object... args) {
        Window open = new Window();
        Window w = windows.putIfAbsent(key, open);
        if (w != null) {
            w.suppressed.incrementAndGet();
            return;
        }
        log.warnf(format, args);
        vertx.setTimer(WINDOW_MILLIS, t -> {
            windows.remove(key, open);
            long more = open.suppressed.get();
            if (more > 0) {
                log.warnf("... and %d more like it for %s in the last %d ms", more, key, WINDOW_MILLIS);
            }
        });
    }

    /** Count of warnings left out for a key in its current window; for tests. */
    long suppressed(String key) {
        Window w = windows.get(key);
        return w == null ? 0 : w.suppressed.get();
    }
}
