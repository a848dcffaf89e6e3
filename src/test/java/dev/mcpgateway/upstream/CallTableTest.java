package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Where a channel's messages go when it serves one owner, and when it serves many. */
class CallTableTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Vertx vertx = Vertx.vertx();
    private final List<JsonRpcMessage> toUpstream = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSharedChannelDeliversOnlyWhatItCanAttribute() {
        CallTable table = table(null);
        List<JsonRpcMessage> heard = new ArrayList<>();
        List<JsonRpcMessage> seenByCall = new ArrayList<>();
        table.listen(null, heard::add, null);
        ObjectNode params = JSON.objectNode();
        params.putObject("_meta").put("progressToken", "client-token");
        CallTable.Call call = table.call(new JsonRpcRequest(TextNode.valueOf("c-1"), McpMethods.TOOLS_CALL, params),
                seenByCall::add, null, null, 10_000);
        JsonRpcRequest wire = table.register(call, this);

        table.route(new JsonRpcRequest(IntNode.valueOf(9), "sampling/createMessage", JSON.objectNode()));
        table.route(new JsonRpcNotification(McpMethods.NOTIFICATIONS_MESSAGE, JSON.objectNode().put("data", "secret")));
        table.route(new JsonRpcNotification(McpMethods.NOTIFICATIONS_TOOLS_LIST_CHANGED, null));
        table.route(new JsonRpcNotification(McpMethods.NOTIFICATIONS_PROGRESS,
                JSON.objectNode().set("progressToken", wire.params().path("_meta").get("progressToken"))));
        table.route(JsonRpcResponse.result(wire.id(), JSON.objectNode()));

        assertThat(heard).extracting(m -> ((JsonRpcNotification) m).method())
                .containsExactly(McpMethods.NOTIFICATIONS_TOOLS_LIST_CHANGED);
        assertThat(seenByCall).singleElement()
                .satisfies(m -> assertThat(((JsonRpcNotification) m).params().get("progressToken"))
                        .isEqualTo(TextNode.valueOf("client-token")));
        assertThat(toUpstream).singleElement().satisfies(m -> {
            JsonRpcResponse refusal = (JsonRpcResponse) m;
            assertThat(refusal.id()).isEqualTo(IntNode.valueOf(9));
            assertThat(refusal.isError()).isTrue();
        });
        assertThat(call.future().result().id()).isEqualTo(TextNode.valueOf("c-1"));
    }

    @Test
    void anOwnedChannelHandsAServerRequestToItsOwnersLatestCall() {
        CallTable table = table("owner-a");
        List<JsonRpcMessage> first = new ArrayList<>();
        List<JsonRpcMessage> latest = new ArrayList<>();
        List<JsonRpcMessage> heard = new ArrayList<>();
        table.listen(null, heard::add, "owner-a");
        table.register(table.call(new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_CALL, null), first::add, null,
                "owner-a", 10_000), this);
        table.register(table.call(new JsonRpcRequest(IntNode.valueOf(2), McpMethods.TOOLS_CALL, null), latest::add, null,
                "owner-a", 10_000), this);

        table.route(new JsonRpcRequest(IntNode.valueOf(9), "elicitation/create", JSON.objectNode()));
        table.route(new JsonRpcNotification(McpMethods.NOTIFICATIONS_MESSAGE, JSON.objectNode().put("data", "log")));

        assertThat(latest).singleElement().isInstanceOf(JsonRpcRequest.class);
        assertThat(first).isEmpty();
        assertThat(heard).singleElement().isInstanceOf(JsonRpcNotification.class);
        assertThat(toUpstream).isEmpty();
    }

    /**
     * A client that reacts to a list change lists while its tool call waits: the server request the
     * tool sends belongs to the call, not to the newer listing (whose answer nobody would relay).
     */
    @Test
    void aServerRequestGoesToTheLatestCallThatCanAskNotToANewerListing() {
        CallTable table = table("owner-a");
        List<JsonRpcMessage> toolCall = new ArrayList<>();
        List<JsonRpcMessage> listing = new ArrayList<>();
        table.register(table.call(new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_CALL, null), toolCall::add, null,
                "owner-a", 10_000), this);
        table.register(table.call(new JsonRpcRequest(IntNode.valueOf(2), McpMethods.TOOLS_LIST, null), listing::add, null,
                "owner-a", 10_000), this);

        table.route(new JsonRpcRequest(IntNode.valueOf(9), "elicitation/create", JSON.objectNode()));

        assertThat(toolCall).singleElement().isInstanceOf(JsonRpcRequest.class);
        assertThat(listing).isEmpty();
        assertThat(toUpstream).isEmpty();
    }

    @Test
    void aCallOfAnotherOwnerIsNeverAskedAndNobodyLeftMeansARefusal() {
        CallTable table = table("owner-a");
        List<JsonRpcMessage> stranger = new ArrayList<>();
        table.register(table.call(new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_CALL, null), stranger::add,
                null, "owner-b", 10_000), this);

        table.route(new JsonRpcRequest(IntNode.valueOf(9), "roots/list", null));

        assertThat(stranger).isEmpty();
        assertThat(toUpstream).singleElement().satisfies(m -> assertThat(((JsonRpcResponse) m).isError()).isTrue());
    }

    private CallTable table(String owner) {
        return new CallTable(vertx, "b", owner, message -> {
            toUpstream.add(message);
            return Future.succeededFuture();
        });
    }
}
