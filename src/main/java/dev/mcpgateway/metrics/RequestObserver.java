package dev.mcpgateway.metrics;

/**
 * Sees every request {@link GatewayMetrics} records, on the thread that records it: keep it cheap
 * and never block (the operator console's traffic window is one).
 */
public interface RequestObserver {

    RequestObserver NONE = new RequestObserver() {
        @Override
        public void request(String method, String backend, String outcome, long nanos) {
        }

        @Override
        public void upstream(String backend, String outcome, long nanos) {
        }
    };

    /** One MCP request answered (see {@link GatewayMetrics#request}). */
    void request(String method, String backend, String outcome, long nanos);

    /** One request to a backend (see {@link GatewayMetrics#upstream}). */
    void upstream(String backend, String outcome, long nanos);
}
