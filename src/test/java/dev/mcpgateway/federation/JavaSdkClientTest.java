package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The Java MCP SDK client, a second independent witness, through the gateway. */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class JavaSdkClientTest {

    @TestHTTPResource("/")
    java.net.URL base;

    McpSyncClient client;

    @BeforeEach
    void connect() {
        var transport = HttpClientStreamableHttpTransport.builder(base.toString().replaceAll("/$", ""))
                .endpoint("/mcp").build();
        client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        McpSchema.InitializeResult init = client.initialize();
        assertThat(init.serverInfo().name()).isEqualTo("mcp-gateway");
        assertThat(init.capabilities().tools()).isNotNull();
    }

    @AfterEach
    void close() {
        client.closeGracefully();
    }

    @Test
    void listsAndCallsAcrossBackends() {
        McpSchema.ListToolsResult tools = client.listTools();
        assertThat(tools.tools()).extracting(McpSchema.Tool::name)
                .contains("alpha__echo", "beta__echo", "gamma__echo", "filtered__echo", "filtered__get-sum")
                .doesNotContain("filtered__get-env");

        McpSchema.CallToolResult echo = client.callTool(new McpSchema.CallToolRequest("beta__echo", Map.of("message", "java")));
        assertThat(((McpSchema.TextContent) echo.content().get(0)).text()).isEqualTo("Echo: java");
        McpSchema.CallToolResult sum = client
                .callTool(new McpSchema.CallToolRequest("gamma__get-sum", Map.of("a", 20, "b", 22)));
        assertThat(((McpSchema.TextContent) sum.content().get(0)).text()).contains("42");

        McpSchema.ListPromptsResult prompts = client.listPrompts();
        assertThat(prompts.prompts()).extracting(McpSchema.Prompt::name).contains("alpha__simple-prompt", "gamma__args-prompt");
        McpSchema.GetPromptResult prompt = client
                .getPrompt(new McpSchema.GetPromptRequest("gamma__args-prompt", Map.of("city", "Oslo")));
        assertThat(((McpSchema.TextContent) prompt.messages().get(0).content()).text()).contains("Oslo");

        // Reading is covered by the TypeScript client: this SDK's polymorphic resource contents do
        // not deserialize under the Quarkus test class loader.
        McpSchema.ListResourcesResult resources = client.listResources();
        assertThat(resources.resources()).extracting(McpSchema.Resource::uri)
                .anyMatch(u -> u.startsWith("mcpgw://beta/demo://")).anyMatch(u -> u.startsWith("mcpgw://gamma/demo://"));
    }
}
