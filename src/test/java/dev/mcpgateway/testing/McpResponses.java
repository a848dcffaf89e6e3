package dev.mcpgateway.testing;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.response.Response;

/** Reads an MCP POST answer whether it came as JSON or as an event stream. */
public final class McpResponses {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private McpResponses() {
    }

    /** The data of every SSE event with data, in order; a JSON body is one message. */
    public static List<JsonNode> messages(Response response) {
        String type = response.getContentType();
        String body = response.asString();
        List<JsonNode> out = new ArrayList<>();
        try {
            if (type != null && type.startsWith("text/event-stream")) {
                for (String block : body.split("\n\n")) {
                    StringBuilder data = new StringBuilder();
                    for (String line : block.split("\n")) {
                        if (line.startsWith("data:")) {
                            data.append(line.substring(5).trim());
                        }
                    }
                    if (!data.isEmpty()) {
                        out.add(MAPPER.readTree(data.toString()));
                    }
                }
            } else {
                out.add(MAPPER.readTree(body));
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON-RPC: " + body, e);
        }
        return out;
    }

    /** The JSON-RPC response: the last message. */
    public static JsonNode response(Response response) {
        List<JsonNode> all = messages(response);
        if (all.isEmpty()) {
            throw new AssertionError("no message in " + response.asString());
        }
        return all.get(all.size() - 1);
    }
}
