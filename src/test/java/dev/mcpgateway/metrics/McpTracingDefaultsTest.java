package dev.mcpgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;

import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.MultiMap;

/** As shipped, tracing is off: no spans, and a caller's trace context is left as it came. */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class McpTracingDefaultsTest {

    @Inject
    McpTracing tracing;

    @Test
    void tracingIsOffByDefault() {
        JsonRpcRequest list = new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_LIST, null);
        Map<String, String> headers = Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        McpSpan span = tracing.request(list, "s", MultiMap.caseInsensitiveMultiMap().addAll(headers));

        assertThat(tracing.enabled()).isFalse();
        assertThat(span).isSameAs(McpSpan.NONE);
        assertThat(tracing.upstream("s", list, "alpha").withTraceHeaders(headers)).isSameAs(headers);
    }
}
