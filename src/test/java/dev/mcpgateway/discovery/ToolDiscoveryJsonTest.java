package dev.mcpgateway.discovery;

import static dev.mcpgateway.testing.SdkClient.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.DiscoveryUpstreams;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Tool discovery configured in mcp-servers.json ({@code "toolDiscovery": "search"}). */
@QuarkusTest
@WithTestResource(value = DiscoveryUpstreams.class, initArgs = @ResourceArg(name = "format", value = "json"))
class ToolDiscoveryJsonTest extends ToolDiscoveryContract {

    @Test
    void aToolAddedUpstreamIsFoundByTheNextSearch() throws Exception {
        String query = "teleport a quantum state between qubits";
        ObjectNode before = SdkClient.scenario();
        search(before, query, 5);
        assertThat(found(result(SdkClient.run(gateway, before), 0))).doesNotContain("github__teleport_quantum_state");

        String catalog = ConfigProvider.getConfig().getValue("test.catalog.url", String.class);
        HttpResponse<Void> added = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(catalog + "/github/add-tool"))
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                ["teleport_quantum_state", "Teleport the quantum state of one qubit to another.",
                                 {"source_qubit!": "Qubit to read", "target_qubit!": "Qubit to write"}]""")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(added.statusCode()).isEqualTo(204);

        ObjectNode after = SdkClient.scenario();
        search(after, query, 5);
        JsonNode report = SdkClient.run(gateway, after);
        assertThat(found(result(report, 0))).first().isEqualTo("github__teleport_quantum_state");
    }
}
