package dev.mcpgateway.config.kubernetes;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The status the gateway writes on an MCPRoute: conditions {@code Accepted} and {@code ResolvedRefs}
 * in the shape of Kubernetes' {@code metav1.Condition} (type, status, reason, message,
 * observedGeneration, lastTransitionTime), and the generation they describe.
 */
final class RouteConditions {

    static final String ACCEPTED = "Accepted";
    static final String RESOLVED_REFS = "ResolvedRefs";
    /** Kubernetes caps a condition's message at 32768 characters. */
    private static final int MAX_MESSAGE = 32768;

    private RouteConditions() {
    }

    /**
     * The {@code status} to write for {@code verdict}, or null when {@code current} (the object's
     * status now) says the same already. A condition whose status did not change keeps its
     * {@code lastTransitionTime}, so replicas writing the same verdict agree.
     */
    static ObjectNode statusToWrite(RouteObjects.Verdict verdict, JsonNode current, Instant now) {
        ObjectNode accepted = condition(ACCEPTED, verdict.accepted(), verdict.acceptedReason(), verdict.acceptedMessage(),
                verdict.generation(), find(current, ACCEPTED), now);
        ObjectNode resolved = condition(RESOLVED_REFS, verdict.resolved(), verdict.resolvedReason(),
                verdict.resolvedMessage(), verdict.generation(), find(current, RESOLVED_REFS), now);
        if (same(accepted, find(current, ACCEPTED)) && same(resolved, find(current, RESOLVED_REFS))
                && current.path("observedGeneration").asLong(-1) == verdict.generation()) {
            return null;
        }
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(accepted);
        conditions.add(resolved);
        status.put("observedGeneration", verdict.generation());
        return status;
    }

    private static ObjectNode condition(String type, boolean ok, String reason, String message, long generation,
            JsonNode previous, Instant now) {
        String status = ok ? "True" : "False";
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("type", type);
        c.put("status", status);
        c.put("reason", reason);
        c.put("message", message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message);
        c.put("observedGeneration", generation);
        boolean unchanged = previous != null && status.equals(previous.path("status").asText());
        c.put("lastTransitionTime", unchanged && previous.path("lastTransitionTime").isTextual()
                ? previous.path("lastTransitionTime").asText()
                : now.truncatedTo(ChronoUnit.SECONDS).toString());
        return c;
    }

    private static boolean same(ObjectNode wanted, JsonNode current) {
        if (current == null) {
            return false;
        }
        for (String field : new String[]{"status", "reason", "message", "observedGeneration"}) {
            if (!wanted.path(field).asText().equals(current.path(field).asText())) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode find(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return null;
    }
}
