package dev.mcpgateway.session;

/** An append refused because another writer has fenced the stream since (see {@link EventLog#fence}). */
public final class StreamFencedException extends IllegalStateException {

    public StreamFencedException(String streamId) {
        super("another writer copies into stream " + streamId + " now");
    }
}
