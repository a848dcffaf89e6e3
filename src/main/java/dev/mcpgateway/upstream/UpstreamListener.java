package dev.mcpgateway.upstream;

/** A standalone upstream stream opened by {@link UpstreamClient#listen}; close it to stop receiving. */
@FunctionalInterface
public interface UpstreamListener {

    UpstreamListener NONE = () -> {
    };

    void close();

    /** The upstream's id of the last event received, for resuming elsewhere; null when it gives none. */
    default String lastEventId() {
        return null;
    }
}
