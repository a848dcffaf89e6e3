package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.upstream.UpstreamSession;

/** What the gateway announces at initialize: the union of what its backends offer. */
class CapabilityMergeTest {

    static UpstreamSession upstream(String name, String capabilitiesJson) {
        JsonNode caps = capabilitiesJson == null ? null
                : JsonRpcCodec.parseTree(capabilitiesJson.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new UpstreamSession(name, "s-" + name, "2025-06-18", caps, null);
    }

    /** The merged capabilities, as a tree (field order is not part of the contract). */
    static JsonNode merged(UpstreamSession... upstreams) {
        return McpRouter.mergeCapabilities(List.of(upstreams));
    }

    static JsonNode json(String text) {
        return JsonRpcCodec.parseTree(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void noBackendsOfferNothing() {
        assertThat(merged()).isEqualTo(json("{}"));
        assertThat(merged(upstream("a", null), upstream("b", "{}"))).isEqualTo(json("{}"));
    }

    @Test
    void flagsAreOrAcrossBackends() {
        JsonNode merged = merged(
                upstream("a", "{\"tools\":{\"listChanged\":false},\"resources\":{\"subscribe\":true}}"),
                upstream("b", "{\"tools\":{\"listChanged\":true},\"resources\":{\"listChanged\":true},\"prompts\":{}}"));

        assertThat(merged)
                .isEqualTo(json("{\"tools\":{\"listChanged\":true},\"resources\":{\"subscribe\":true,\"listChanged\":true},"
                        + "\"prompts\":{}}"));
    }

    @Test
    void aFlagOnlyCountsWhenItIsTrue() {
        JsonNode merged = merged(upstream("a", "{\"tools\":{\"listChanged\":\"yes\"},\"prompts\":{\"listChanged\":false}}"));

        assertThat(merged).isEqualTo(json("{\"tools\":{},\"prompts\":{}}"));
    }

    @Test
    void loggingAndCompletionsAppearOnceWhenAnyBackendHasThem() {
        JsonNode merged = merged(upstream("a", "{\"logging\":{}}"),
                upstream("b", "{\"logging\":{\"x\":1},\"completions\":{}}"));

        assertThat(merged).isEqualTo(json("{\"logging\":{},\"completions\":{}}"));
    }

    @Test
    void experimentalTasksAndExtensionsAreMergedDeeply() {
        JsonNode merged = merged(
                upstream("a", "{\"experimental\":{\"x\":{\"v\":1}},\"tasks\":{\"list\":{}}}"),
                upstream("b", "{\"experimental\":{\"y\":true},\"tasks\":{\"cancel\":{}},\"extensions\":{\"io.ext\":{}}}"));

        assertThat(merged)
                .isEqualTo(json("{\"experimental\":{\"x\":{\"v\":1},\"y\":true},\"tasks\":{\"list\":{},\"cancel\":{}},"
                        + "\"extensions\":{\"io.ext\":{}}}"));
    }

    @Test
    void nullAndWrongTypesFromABackendAreIgnoredNotFatal() {
        JsonNode merged = merged(upstream("a",
                "{\"tools\":null,\"resources\":[],\"prompts\":\"yes\",\"experimental\":[1],\"tasks\":5,\"logging\":null}"),
                upstream("b", "[1,2]"), upstream("c", "\"caps\""));

        // Present but not an object still means the backend has the feature; a null does not.
        assertThat(merged).isEqualTo(json("{\"resources\":{},\"prompts\":{}}"));
    }

    @Test
    void mergingDoesNotChangeTheBackendsCapabilities() {
        UpstreamSession a = upstream("a", "{\"experimental\":{\"x\":{\"v\":1}}}");
        ObjectNode result = McpRouter.mergeCapabilities(List.of(a, upstream("b", "{\"experimental\":{\"y\":2}}")));
        ((ObjectNode) result.get("experimental").get("x")).put("v", 99);

        assertThat(a.capabilities().toString()).isEqualTo("{\"experimental\":{\"x\":{\"v\":1}}}");
    }

    @Test
    void manyBackendsMergeInOneObject() {
        List<UpstreamSession> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(upstream("b" + i, i % 2 == 0 ? "{\"tools\":{}}" : "{\"tools\":{\"listChanged\":true}}"));
        }

        assertThat(McpRouter.mergeCapabilities(many)).isEqualTo(json("{\"tools\":{\"listChanged\":true}}"));
    }
}
