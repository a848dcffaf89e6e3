package dev.mcpgateway.session;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.infinispan.client.hotrod.MetadataValue;
import org.jboss.logging.Logger;

import dev.mcpgateway.session.EventLog.Origin;
import dev.mcpgateway.session.InfinispanEventLog.StreamHead;

/**
 * The writes of {@link InfinispanEventLog}: each replaces a stream's head in {@code mcp-streams}
 * with a versioned replace, retried when another writer changed the head in between, so the head
 * is the single point where an append, a fence or a completion takes effect. An append hands out
 * the next sequence number and, for an event copied from a source, records the source's position
 * and checks the writer, all in that one replace; then it stores the event under its event id in
 * {@code mcp-events} and drops the one that fell out of the bound.
 */
final class HeadWrites {

    private static final Logger LOG = Logger.getLogger(HeadWrites.class);

    /** Versioned-replace attempts before a write gives up (only concurrent writers conflict). */
    private static final int MAX_ATTEMPTS = 16;

    private final int maxEvents;
    private final long idleMillis;

    HeadWrites(int maxEvents, long idleMillis) {
        this.maxEvents = maxEvents;
        this.idleMillis = idleMillis;
    }

    CompletionStage<Long> append(InfinispanEventLog.Caches c, String streamId, String data, Origin origin, int attempt) {
        return c.streams().getWithMetadataAsync(streamId).thenCompose(current -> {
            if (current == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("unknown stream " + streamId));
            }
            StreamHead head = current.getValue();
            if (origin != null && !origin.writer().equals(head.writer())) {
                return CompletableFuture.failedFuture(new StreamFencedException(streamId));
            }
            long seq = head.lastSeq() + 1;
            Map<String, String> positions = head.positions();
            if (origin != null && origin.eventId() != null) {
                positions = new LinkedHashMap<>(positions);
                positions.put(origin.source(), origin.eventId());
            }
            StreamHead next = new StreamHead(streamId, head.sessionId(), seq, head.complete(), data, head.writer(),
                    positions);
            return replace(c, current, next).thenCompose(replaced -> {
                if (!replaced) {
                    if (attempt >= MAX_ATTEMPTS) {
                        return CompletableFuture.failedFuture(
                                new IllegalStateException("too many concurrent appends to stream " + streamId));
                    }
                    return append(c, streamId, data, origin, attempt + 1);
                }
                long dropped = seq - maxEvents;
                if (dropped >= 1) {
                    c.events().removeAsync(InfinispanEventLog.eventKey(streamId, dropped)).exceptionally(t -> {
                        LOG.debugf("Could not drop event %s: %s", InfinispanEventLog.eventKey(streamId, dropped),
                                t.getMessage());
                        return null;
                    });
                }
                return c.events().putAsync(InfinispanEventLog.eventKey(streamId, seq), data, -1, TimeUnit.MILLISECONDS,
                        idleMillis, TimeUnit.MILLISECONDS).thenApply(previous -> seq);
            });
        });
    }

    /**
     * Makes {@code writer} the stream's writer and answers the sources' positions as they were
     * then. A writer that died between replacing the head and storing the event left the newest
     * event in the head only: it is stored now, before a new writer's append replaces the head.
     */
    CompletionStage<Map<String, String>> fence(InfinispanEventLog.Caches c, String streamId, String writer, int attempt) {
        return c.streams().getWithMetadataAsync(streamId).thenCompose(current -> {
            if (current == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("unknown stream " + streamId));
            }
            StreamHead head = current.getValue();
            StreamHead next = new StreamHead(streamId, head.sessionId(), head.lastSeq(), head.complete(), head.lastData(),
                    writer, head.positions());
            return replace(c, current, next).thenCompose(replaced -> {
                if (!replaced) {
                    return attempt >= MAX_ATTEMPTS
                            ? CompletableFuture.failedFuture(
                                    new IllegalStateException("too many concurrent writes to stream " + streamId))
                            : fence(c, streamId, writer, attempt + 1);
                }
                if (head.lastSeq() < 1 || head.lastData() == null) {
                    return CompletableFuture.completedFuture(head.positions());
                }
                return c.events().putIfAbsentAsync(InfinispanEventLog.eventKey(streamId, head.lastSeq()), head.lastData(),
                        -1, TimeUnit.MILLISECONDS, idleMillis, TimeUnit.MILLISECONDS).thenApply(ignored -> head.positions());
            });
        });
    }

    CompletionStage<Void> complete(InfinispanEventLog.Caches c, String streamId, int attempt) {
        return c.streams().getWithMetadataAsync(streamId).thenCompose((MetadataValue<StreamHead> current) -> {
            if (current == null || current.getValue().complete()) {
                return CompletableFuture.completedFuture(null);
            }
            StreamHead head = current.getValue();
            // No newest data: this change carries no event for the listeners.
            StreamHead done = new StreamHead(streamId, head.sessionId(), head.lastSeq(), true, null, head.writer(),
                    head.positions());
            return replace(c, current, done).thenCompose(
                    replaced -> replaced || attempt >= MAX_ATTEMPTS
                            ? CompletableFuture.completedFuture(null)
                            : complete(c, streamId, attempt + 1));
        });
    }

    private CompletionStage<Boolean> replace(InfinispanEventLog.Caches c, MetadataValue<StreamHead> current, StreamHead next) {
        return c.streams().replaceWithVersionAsync(next.streamId(), next, current.getVersion(), -1, TimeUnit.MILLISECONDS,
                idleMillis, TimeUnit.MILLISECONDS);
    }
}
