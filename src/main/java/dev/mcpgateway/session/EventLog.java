package dev.mcpgateway.session;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.vertx.core.Future;

/**
 * The SSE event log: for each stream (a POST response stream or a session's GET stream), its
 * events in order, so a client can resume with {@code Last-Event-ID} on any replica. Appending is
 * the source of truth; live delivery is a tail of the log. Each stream keeps at most a configured
 * number of events (oldest dropped first) and expires with its session.
 */
public interface EventLog {

    /** Registers a stream of a session; events can be appended only to registered streams. */
    Future<Void> open(String streamId, String sessionId);

    /** The session that owns the stream, or null when the stream is unknown or expired. */
    Future<String> owner(String streamId);

    /**
     * Appends an event (one JSON-RPC message, serialized) and answers its sequence number, starting
     * at 1 and increasing by one per append to that stream.
     */
    Future<Long> append(String streamId, String data);

    /**
     * Appends an event copied from a source (an upstream's stream) and records the source's id of
     * that event as the source's position, in one atomic step; but only while {@code origin.writer()}
     * is the stream's writer (see {@link #fence}): otherwise it fails with
     * {@link StreamFencedException} and appends nothing.
     */
    Future<Long> append(String streamId, String data, Origin origin);

    /**
     * Makes {@code writer} the only writer whose {@link #append(String, String, Origin)} the stream
     * accepts from now on, shutting out the one before (which may still be running), and answers,
     * per source, the source's id of the last event appended from it: where to resume each source
     * so that no event is appended twice or skipped. Fails when the stream is unknown.
     */
    Future<Map<String, String>> fence(String streamId, String writer);

    /** Events of the stream with a sequence number greater than {@code afterSeq}, in order. */
    Future<List<StoredEvent>> readAfter(String streamId, long afterSeq);

    /** Marks the stream finished: its last event has been appended (a POST stream's response). */
    Future<Void> complete(String streamId);

    /** Whether the stream is finished. */
    Future<Boolean> isComplete(String streamId);

    /**
     * Calls the listener for every event appended to the stream from now on, by this process or,
     * in a cluster, by any replica. Close the returned handle to stop.
     */
    AutoCloseable subscribe(String streamId, Consumer<StoredEvent> listener);

    /** Removes the stream and its events. */
    Future<Void> remove(String streamId);

    /**
     * Where a copied event comes from: the writer copying it (see {@link #fence}), the source (e.g.
     * a backend's name) and the source's id of the event (null when the source gave none: the
     * source's position then stays as it was).
     */
    record Origin(String writer, String source, String eventId) {
    }

    /** One event of a stream. {@code data} is the serialized JSON-RPC message. */
    record StoredEvent(String streamId, long seq, String data) {

        /** The SSE {@code id} field: {@code <stream>:<seq>}. */
        public String eventId() {
            return streamId + ":" + seq;
        }

        /** Parses an event id; null when it is not one the gateway issued. */
        public static StoredEvent parseId(String eventId) {
            if (eventId == null) {
                return null;
            }
            int colon = eventId.lastIndexOf(':');
            if (colon <= 0 || colon == eventId.length() - 1) {
                return null;
            }
            try {
                return new StoredEvent(eventId.substring(0, colon), Long.parseLong(eventId.substring(colon + 1)), null);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
