package dev.mcpgateway.upstream;

/** A standalone upstream stream opened by {@link UpstreamClient#listen}; close it to stop receiving. */
@FunctionalInterface
public interface UpstreamListener {

    UpstreamListener NONE = () -> {
    };

    void close();
}
