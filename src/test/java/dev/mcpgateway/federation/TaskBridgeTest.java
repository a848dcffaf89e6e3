package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Tasks across eras through the gateway: the TypeScript SDK v1 client's experimental tasks
 * (2025-11-25) on tasks-upstream.mjs, which offers the 2026-07-28 tasks extension, and the SDK v2
 * client's extension tasks (2026-07-28) on server-everything's experimental tasks.
 */
@QuarkusTest
@WithTestResource(TaskUpstreams.class)
class TaskBridgeTest {

    private static final String EXTENSION = "io.modelcontextprotocol/tasks";

    @TestHTTPResource("/mcp")
    String url;

    private static ObjectNode request(ObjectNode scenario, String method) {
        ObjectNode s = step(scenario, "request").put("method", method);
        s.putObject("params");
        return (ObjectNode) s.get("params");
    }

    private static ObjectNode taskCall(ObjectNode scenario, String tool, String topic, int ms) {
        ObjectNode p = request(scenario, "tools/call").put("name", tool);
        p.putObject("arguments").put("topic", topic).put("ms", ms);
        p.putObject("task").put("ttl", 60000);
        return p;
    }

    private static JsonNode error(JsonNode report, int i) {
        JsonNode step = report.path("steps").path(i);
        assertThat(step.path("ok").asBoolean()).as("step %d fails: %s", i, step).isFalse();
        return step.path("error");
    }

    private static List<JsonNode> notifications(JsonNode report, String method, String taskId) {
        List<JsonNode> out = new ArrayList<>();
        report.path("notifications").forEach(n -> {
            if (method.equals(n.path("method").asText()) && taskId.equals(n.path("params").path("taskId").asText())) {
                out.add(n.path("params"));
            }
        });
        return out;
    }

    @Test
    void experimentalClientDrivesExtensionTasks() {
        ObjectNode s = SdkClient.scenario();
        ObjectNode stream = step(s, "callToolStream").put("name", "tasks__report");
        stream.putObject("arguments").put("topic", "gateways").put("ms", 300);
        stream.putObject("task").put("ttl", 60000);
        taskCall(s, "tasks__report", "waiting", 600); // 1
        request(s, "tasks/result").put("taskId", "$step:1:task.taskId"); // 2
        taskCall(s, "tasks__report", "never", 20000); // 3
        request(s, "tasks/cancel").put("taskId", "$step:3:task.taskId"); // 4
        request(s, "tasks/get").put("taskId", "$step:3:task.taskId"); // 5
        request(s, "tasks/cancel").put("taskId", "$step:3:task.taskId"); // 6
        request(s, "tasks/get").put("taskId", "tasks__no-such-task"); // 7
        request(s, "tasks/get").put("taskId", "nobackend__x"); // 8
        taskCall(s, "tasks__broken_report", "x", 100); // 9
        step(s, "sleep").put("ms", 400);
        request(s, "tasks/result").put("taskId", "$step:9:task.taskId"); // 11
        JsonNode report = SdkClient.run(url, s);

        assertThat(report.path("capabilities").path("tasks").path("requests").path("tools").has("call"))
                .as("a backend's extension shows as the 2025-11-25 capability: %s", report.path("capabilities")).isTrue();
        assertThat(report.path("capabilities").path("extensions").has(EXTENSION)).isFalse();

        // The SDK's own task flow: CreateTaskResult, tasks/get polls, tasks/result.
        List<String> statuses = new ArrayList<>();
        String created = null;
        JsonNode finalResult = null;
        for (JsonNode m : result(report, 0).path("messages")) {
            switch (m.path("type").asText()) {
                case "taskCreated" -> created = m.path("task").path("taskId").asText();
                case "taskStatus" -> {
                    statuses.add(m.path("task").path("status").asText());
                    assertThat(m.path("task").has("ttl")).as("2025-11-25 field names: %s", m).isTrue();
                    assertThat(m.path("task").has("ttlMs")).isFalse();
                }
                case "result" -> finalResult = m.path("result");
                default -> throw new AssertionError("unexpected message " + m);
            }
        }
        assertThat(created).startsWith("tasks__");
        assertThat(statuses).last().isEqualTo("completed");
        assertThat(finalResult.path("content").path(0).path("text").asText()).isEqualTo("report: gateways");

        // tasks/result blocks until the end, with status notifications on its stream.
        String waiting = result(report, 1).path("task").path("taskId").asText();
        assertThat(result(report, 1).path("task").path("pollInterval").asInt()).isEqualTo(100);
        JsonNode waited = result(report, 2);
        assertThat(waited.path("content").path(0).path("text").asText()).isEqualTo("report: waiting");
        assertThat(waited.path("_meta").path("io.modelcontextprotocol/related-task").path("taskId").asText())
                .isEqualTo(waiting);
        List<String> notified = notifications(report, "notifications/tasks/status", waiting).stream()
                .map(p -> p.path("status").asText() + ":" + p.path("statusMessage").asText("")).toList();
        assertThat(notified).contains("working:gathering").last().isEqualTo("completed:gathering");

        // Cancel: answered with the task, now cancelled; a second cancel is refused as terminal.
        assertThat(result(report, 4).path("status").asText()).isEqualTo("cancelled");
        assertThat(result(report, 5).path("status").asText()).isEqualTo("cancelled");
        assertThat(error(report, 6).path("code").asInt()).isEqualTo(-32602);
        // Unknown ids: the backend's error, or the gateway's for an unknown backend.
        assertThat(error(report, 7).path("code").asInt()).isEqualTo(-32602);
        assertThat(error(report, 8).path("code").asInt()).isEqualTo(-32602);
        // A failed task: tasks/result answers its JSON-RPC error.
        assertThat(error(report, 11).path("message").asText()).contains("the report broke");
    }

    private static ObjectNode raw(ObjectNode scenario, String method) {
        ObjectNode s = step(scenario, "rawRequest").put("method", method);
        return s.putObject("params");
    }

    @Test
    void extensionClientDrivesExperimentalTasks() {
        ObjectNode s = SdkClient.scenario();
        s.putObject("capabilities").putObject("extensions").putObject(EXTENSION);
        step(s, "discover");
        ObjectNode call = raw(s, "tools/call").put("name", "everything__simulate-research-query"); // 1
        call.putObject("arguments").put("topic", "gateways");
        step(s, "listen").putObject("filter").putArray("taskIds").add("$step:1:taskId"); // 2
        request(s, "tasks/get").put("taskId", "$step:1:taskId"); // 3
        step(s, "waitForNotification").put("method", "notifications/tasks").put("count", 5).put("timeoutMs", 15000); // 4
        raw(s, "tasks/get").put("taskId", "$step:1:taskId"); // 5: raw, to see resultType on the wire
        ObjectNode doomed = raw(s, "tools/call").put("name", "everything__simulate-research-query"); // 6
        doomed.putObject("arguments").put("topic", "never");
        request(s, "tasks/cancel").put("taskId", "$step:6:taskId"); // 7
        request(s, "tasks/get").put("taskId", "$step:6:taskId"); // 8
        request(s, "tasks/get").put("taskId", "everything__no-such-task"); // 9
        request(s, "tasks/update").put("taskId", "$step:6:taskId").putObject("inputResponses"); // 10
        ObjectNode plain = raw(s, "tools/call").put("name", "everything__echo"); // 11
        plain.putObject("arguments").put("message", "at once");
        JsonNode report = SdkClient.runV2(url, s);

        assertThat(report.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        JsonNode caps = result(report, 0).path("capabilities");
        assertThat(caps.path("extensions").has(EXTENSION)).as("discover: %s", caps).isTrue();
        assertThat(caps.has("tasks")).as("no legacy tasks capability for a 2026-07-28 client").isFalse();

        JsonNode created = result(report, 1);
        String taskId = created.path("taskId").asText();
        assertThat(created.path("resultType").asText()).isEqualTo("task");
        assertThat(taskId).startsWith("everything__");
        assertThat(created.path("ttlMs").asLong()).isPositive();
        assertThat(created.has("task")).isFalse();
        List<String> acknowledged = new ArrayList<>();
        report.path("notifications").forEach(n -> {
            if ("notifications/subscriptions/acknowledged".equals(n.path("method").asText())) {
                n.path("params").path("notifications").path("taskIds").forEach(t -> acknowledged.add(t.asText()));
            }
        });
        assertThat(acknowledged).as("the listen acknowledges the task").containsExactly(taskId);
        assertThat(result(report, 3).path("status").asText()).isEqualTo("working");

        List<JsonNode> notified = notifications(report, "notifications/tasks", taskId);
        assertThat(notified).as("status notifications on the listen stream").hasSizeGreaterThanOrEqualTo(5);
        JsonNode last = notified.get(notified.size() - 1);
        assertThat(last.path("status").asText()).isEqualTo("completed");
        assertThat(last.path("result").path("content").toString()).containsIgnoringCase("gateways");
        JsonNode done = result(report, 5);
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.path("resultType").asText()).isEqualTo("complete");
        assertThat(done.path("result").path("content").toString()).containsIgnoringCase("gateways");
        assertThat(done.path("pollIntervalMs").asInt()).isPositive();

        assertThat(result(report, 7).has("status")).as("cancel is an acknowledgement: %s", result(report, 7)).isFalse();
        assertThat(result(report, 8).path("status").asText()).isEqualTo("cancelled");
        assertThat(error(report, 9).path("code").asInt()).isEqualTo(-32602);
        assertThat(error(report, 10).path("code").asInt()).isEqualTo(-32602);
        assertThat(result(report, 11).path("content").path(0).path("text").asText()).contains("at once");
    }

    @Test
    void clientWithoutTheExtensionGetsTheResultOfARequiredTask() {
        ObjectNode s = SdkClient.scenario();
        s.putObject("capabilities");
        step(s, "callTool").put("name", "everything__simulate-research-query").putObject("arguments").put("topic", "waited");
        step(s, "listen").put("timeoutMs", 5000).putObject("filter").putArray("taskIds").add("everything__x");
        request(s, "tasks/get").put("taskId", "everything__x");
        JsonNode report = SdkClient.runV2(url, s);

        JsonNode r = result(report, 0);
        assertThat(r.path("content").toString()).containsIgnoringCase("waited");
        assertThat(r.path("_meta").path("io.modelcontextprotocol/related-task").path("taskId").asText())
                .startsWith("everything__");
        // Task notifications need the extension: -32021 names it.
        assertThat(error(report, 1).toString()).contains("-32021", EXTENSION);
        assertThat(error(report, 2).toString()).contains("-32021");
    }
}
