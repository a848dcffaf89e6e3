package dev.mcpgateway.cluster;

import java.util.Map;

/** A running copy of a session's upstream streams into its event log; close it to stop. */
public interface UpstreamPump {

    /** Per backend, the upstream's id of the last event received (for a successor to resume from). */
    Map<String, String> lastEventIds();

    void close();
}
