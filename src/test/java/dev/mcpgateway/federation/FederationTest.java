package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.EverythingUpstreams;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The official TypeScript SDK client, through the gateway, sees and uses the tools, prompts and
 * resources of three real server-everything upstreams (two over HTTP, one over stdio) plus a
 * filtered view of one of them.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class FederationTest {

    /** Tools server-everything always registers, whatever the client can do. */
    static final List<String> BASE_TOOLS = List.of("echo", "get-annotated-message", "get-env", "get-resource-links",
            "get-resource-reference", "get-structured-content", "get-sum", "get-tiny-image", "gzip-file-as-resource",
            "toggle-simulated-logging", "toggle-subscriber-updates", "trigger-long-running-operation");

    @TestHTTPResource("/mcp")
    String gateway;

    static String direct(String backend) {
        return ConfigProvider.getConfig().getValue("test.upstream." + backend, String.class);
    }

    private static ObjectNode listEverything() {
        ObjectNode s = SdkClient.scenario();
        // server-everything registers some tools just after initialization; let it finish.
        step(s, "sleep").put("ms", 800);
        step(s, "listTools");
        step(s, "listPrompts");
        step(s, "listResources");
        step(s, "listResourceTemplates");
        return s;
    }

    private static Set<String> names(JsonNode items, String field) {
        Set<String> out = new TreeSet<>();
        items.forEach(i -> out.add(i.path(field).asText()));
        return out;
    }

    private static Set<String> prefixed(String backend, Set<String> names) {
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(backend + "__" + n));
        return out;
    }

    private static JsonNode items(JsonNode listResult, String field) {
        return listResult.has(field) ? listResult.get(field) : listResult;
    }

    @Test
    void listsAreTheSumOfTheBackendsWithPrefixes() {
        JsonNode alpha = SdkClient.run(direct("alpha"), listEverything());
        JsonNode beta = SdkClient.run(direct("beta"), listEverything());
        JsonNode through = SdkClient.run(gateway, listEverything());

        JsonNode alphaTools = items(result(alpha, 1), "tools");
        JsonNode betaTools = items(result(beta, 1), "tools");
        JsonNode tools = items(result(through, 1), "tools");
        Set<String> all = names(tools, "name");

        assertThat(all).containsAll(prefixed("alpha", names(alphaTools, "name")));
        assertThat(all).containsAll(prefixed("beta", names(betaTools, "name")));
        assertThat(all).containsAll(prefixed("gamma", new TreeSet<>(BASE_TOOLS)));
        Set<String> filtered = new TreeSet<>();
        Set<String> gamma = new TreeSet<>();
        for (String n : all) {
            if (n.startsWith("filtered__")) {
                filtered.add(n);
            }
            if (n.startsWith("gamma__")) {
                gamma.add(n);
            }
        }
        assertThat(filtered).containsExactlyInAnyOrder("filtered__echo", "filtered__get-sum");
        assertThat(tools.size()).isEqualTo(alphaTools.size() + betaTools.size() + gamma.size() + filtered.size());

        // Prompts, resources and templates: four backends with the same catalogue.
        JsonNode alphaPrompts = items(result(alpha, 2), "prompts");
        assertThat(items(result(through, 2), "prompts").size()).isEqualTo(4 * alphaPrompts.size());
        assertThat(names(items(result(through, 2), "prompts"), "name"))
                .containsAll(prefixed("beta", names(alphaPrompts, "name")));
        JsonNode alphaResources = items(result(alpha, 3), "resources");
        JsonNode resources = items(result(through, 3), "resources");
        assertThat(resources.size()).isEqualTo(4 * alphaResources.size());
        Set<String> uris = names(resources, "uri");
        for (String uri : names(alphaResources, "uri")) {
            assertThat(uris).contains("mcpgw://gamma/" + uri, "mcpgw://alpha/" + uri);
        }
        assertThat(items(result(through, 4), "resourceTemplates").size())
                .isEqualTo(4 * items(result(alpha, 4), "resourceTemplates").size());
    }

    @Test
    void callsReachTheRightBackend() {
        ObjectNode s = SdkClient.scenario();
        step(s, "callTool").put("name", "alpha__echo").putObject("arguments").put("message", "to alpha");
        step(s, "callTool").put("name", "gamma__get-sum").putObject("arguments").put("a", 2).put("b", 3);
        step(s, "callTool").put("name", "filtered__echo").putObject("arguments").put("message", "allowed");
        step(s, "getPrompt").put("name", "beta__args-prompt").putObject("arguments").put("city", "Paris");
        step(s, "readResource").put("uri", "mcpgw://gamma/demo://resource/static/document/features.md");
        step(s, "readResource").put("uri", "mcpgw://beta/demo://resource/dynamic/text/7");
        ObjectNode complete = step(s, "complete");
        complete.putObject("ref").put("type", "ref/prompt").put("name", "alpha__completable-prompt");
        complete.putObject("argument").put("name", "department").put("value", "E");
        step(s, "ping");
        JsonNode report = SdkClient.run(gateway, s);

        assertThat(report.path("serverInfo").path("name").asText()).isEqualTo("mcp-gateway");
        assertThat(result(report, 0).path("content").get(0).path("text").asText()).isEqualTo("Echo: to alpha");
        assertThat(result(report, 1).path("content").get(0).path("text").asText()).isEqualTo("The sum of 2 and 3 is 5.");
        assertThat(result(report, 2).path("content").get(0).path("text").asText()).isEqualTo("Echo: allowed");
        assertThat(result(report, 3).path("messages").get(0).path("content").path("text").asText())
                .isEqualTo("What's weather in Paris?");
        JsonNode doc = result(report, 4).path("contents").get(0);
        assertThat(doc.path("uri").asText()).isEqualTo("mcpgw://gamma/demo://resource/static/document/features.md");
        assertThat(doc.path("text").asText()).isNotBlank();
        assertThat(result(report, 5).path("contents").get(0).path("text").asText()).startsWith("Resource 7:");
        List<String> values = new ArrayList<>();
        result(report, 6).path("completion").path("values").forEach(v -> values.add(v.asText()));
        assertThat(values).containsExactly("Engineering");
        assertThat(report.path("steps").get(7).path("ok").asBoolean()).isTrue();
    }

    @Test
    void filteredAndUnknownToolsAreRefused() {
        ObjectNode s = SdkClient.scenario();
        step(s, "callTool").put("name", "filtered__get-env").putObject("arguments");
        step(s, "callTool").put("name", "nobody__echo").putObject("arguments");
        step(s, "callTool").put("name", "echo").putObject("arguments");
        step(s, "getPrompt").put("name", "alpha__no-such-prompt");
        step(s, "readResource").put("uri", "demo://resource/static/document/features.md");
        JsonNode report = SdkClient.run(gateway, s);
        for (int i = 0; i < 3; i++) {
            JsonNode st = report.path("steps").get(i);
            assertThat(st.path("ok").asBoolean()).as(st.toString()).isFalse();
            assertThat(st.path("error").path("code").asInt()).isEqualTo(-32602);
            assertThat(st.path("error").path("message").asText()).contains("Unknown tool");
        }
        assertThat(report.path("steps").get(3).path("ok").asBoolean()).isFalse();
        assertThat(report.path("steps").get(4).path("error").path("code").asInt()).isEqualTo(-32002);
    }
}
