package dev.mcpgateway.federation;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.upstream.UpstreamSession;

/**
 * The two shapes of a task: the experimental tasks of 2025-11-25 ({@code ttl}, {@code pollInterval},
 * a {@code CreateTaskResult} that wraps the task in {@code task}, the {@code tasks} capability) and
 * the tasks extension of 2026-07-28 ({@code io.modelcontextprotocol/tasks}: {@code ttlMs},
 * {@code pollIntervalMs}, a flat {@code CreateTaskResult} with {@code resultType: "task"}, results
 * and errors inline in the task). Status values are the same five in both.
 */
final class TaskShapes {

    static final String EXTENSION = "io.modelcontextprotocol/tasks";
    static final String RELATED_TASK = "io.modelcontextprotocol/related-task";
    static final String RESULT_TYPE_TASK = "task";
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";
    static final String CANCELLED = "cancelled";
    static final String INPUT_REQUIRED = "input_required";
    private static final Set<String> TERMINAL = Set.of(COMPLETED, FAILED, CANCELLED);
    /** The fields both eras share, under the same names. */
    private static final Set<String> COMMON = Set.of("status", "statusMessage", "createdAt", "lastUpdatedAt");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private TaskShapes() {
    }

    static boolean terminal(String status) {
        return status != null && TERMINAL.contains(status);
    }

    /** Whether capabilities (a server's or a client's) declare the 2026-07-28 tasks extension. */
    static boolean declaresExtension(JsonNode capabilities) {
        return capabilities != null && capabilities.path("extensions").has(EXTENSION);
    }

    /** Whether a 2025-11-25 server accepts task-augmented {@code tools/call}. */
    static boolean offersLegacyToolTasks(JsonNode capabilities) {
        return capabilities != null && capabilities.path("tasks").path("requests").path("tools").has("call");
    }

    /** A task in 2025-11-25 form from a 2026-07-28 task (or {@code CreateTaskResult}, or {@code DetailedTask}). */
    static ObjectNode toLegacy(JsonNode modern) {
        ObjectNode task = JSON.objectNode();
        task.set("taskId", modern.get("taskId"));
        copyCommon(modern, task);
        // "Receivers MUST include the actual ttl duration (or null for unlimited)".
        JsonNode ttl = modern.get("ttlMs");
        task.set("ttl", ttl == null || !ttl.isNumber() ? JSON.nullNode() : ttl);
        if (modern.path("pollIntervalMs").isNumber()) {
            task.set("pollInterval", modern.get("pollIntervalMs"));
        }
        return task;
    }

    /** A task in 2026-07-28 form (without the status payload) from a 2025-11-25 task. */
    static ObjectNode toModern(JsonNode legacy) {
        ObjectNode task = JSON.objectNode();
        task.set("taskId", legacy.get("taskId"));
        copyCommon(legacy, task);
        JsonNode ttl = legacy.get("ttl");
        task.set("ttlMs", ttl == null || !ttl.isNumber() ? JSON.nullNode() : ttl);
        if (legacy.path("pollInterval").isNumber()) {
            task.set("pollIntervalMs", legacy.get("pollInterval"));
        }
        return task;
    }

    private static void copyCommon(JsonNode from, ObjectNode to) {
        for (String f : COMMON) {
            if (from.hasNonNull(f)) {
                to.set(f, from.get(f));
            }
        }
    }

    /**
     * Rewrites the merged server capabilities for a client of one era: tasks a backend of the other
     * era offers appear in the client's own form. A 2026-07-28 client sees the extension and never the
     * legacy {@code tasks} capability ("MUST NOT continue to advertise the legacy capabilities under
     * any protocol version that includes this extension"); a 2025-11-25 client sees
     * {@code tasks.requests.tools.call} and {@code tasks.cancel}, and {@code tasks.list} only when a
     * backend of its own era lists tasks.
     */
    static void announce(ObjectNode caps, Iterable<UpstreamSession> upstreams, boolean modernClient) {
        boolean legacyToolTasks = false;
        boolean legacyList = false;
        boolean extension = false;
        for (UpstreamSession u : upstreams) {
            JsonNode c = u.capabilities();
            if (ProtocolVersions.isModern(u.protocolVersion())) {
                extension |= declaresExtension(c);
            } else {
                legacyToolTasks |= offersLegacyToolTasks(c);
                legacyList |= c != null && c.path("tasks").has("list");
            }
        }
        if (modernClient) {
            caps.remove("tasks");
            if (extension || legacyToolTasks) {
                (caps.get("extensions") instanceof ObjectNode e ? e : caps.putObject("extensions")).putObject(EXTENSION);
            }
            return;
        }
        if (caps.get("extensions") instanceof ObjectNode e) {
            e.remove(EXTENSION);
            if (e.isEmpty()) {
                caps.remove("extensions");
            }
        }
        if (extension) {
            ObjectNode tasks = caps.get("tasks") instanceof ObjectNode t ? t : caps.putObject("tasks");
            if (!tasks.has("cancel")) {
                tasks.putObject("cancel");
            }
            ObjectNode requests = tasks.get("requests") instanceof ObjectNode r ? r : tasks.putObject("requests");
            ObjectNode tools = requests.get("tools") instanceof ObjectNode t ? t : requests.putObject("tools");
            if (!tools.has("call")) {
                tools.putObject("call");
            }
            if (!legacyList) {
                tasks.remove("list");
            }
        }
    }
}
