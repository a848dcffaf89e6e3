package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Future;

/**
 * Used-once values within one process, each kept until its window ends. Bounded: when {@code max}
 * values are in their window, a new one is refused (the caller refuses the request) instead of
 * forgetting one that could then be replayed.
 */
public final class InMemoryReplayStore implements ReplayStore {

    private final Map<String, Long> until = new ConcurrentHashMap<>();
    private final int max;

    public InMemoryReplayStore(int max) {
        this.max = max;
    }

    @Override
    public Future<Boolean> firstUse(String key, Duration window) {
        long now = System.currentTimeMillis();
        if (until.size() >= max) {
            until.values().removeIf(t -> t <= now);
            if (until.size() >= max) {
                return Future.failedFuture(new IllegalStateException(
                        "more than " + max + " DPoP proofs within their lifetime (mcp-gateway.auth.dpop-max-proofs)"));
            }
        }
        long end = now + window.toMillis();
        boolean[] first = {false};
        until.compute(key, (k, cur) -> {
            if (cur == null || cur <= now) {
                first[0] = true;
                return end;
            }
            return cur;
        });
        return Future.succeededFuture(first[0]);
    }

    /** How many values are remembered (some may have expired but not yet been dropped). */
    int size() {
        return until.size();
    }
}
