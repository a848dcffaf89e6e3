package dev.mcpgateway.cluster;

/** A running copy of a session's upstream streams into its event log; close it to stop. */
@FunctionalInterface
public interface UpstreamPump {

    void close();
}
