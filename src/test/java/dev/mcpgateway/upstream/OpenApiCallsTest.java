package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.OpenApiOperation;
import dev.mcpgateway.config.OpenApiOperation.Body;
import dev.mcpgateway.config.OpenApiOperation.Parameter;
import io.vertx.core.buffer.Buffer;

/** Arguments serialized as the OpenAPI parameter styles say, and responses as tool results. */
class OpenApiCallsTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    static OpenApiOperation op(String path, Body body, Parameter... params) {
        return new OpenApiOperation("t", "GET", path, List.of(params), body, MAPPER.createObjectNode());
    }

    static OpenApiCalls.Prepared prepare(OpenApiOperation op, String args) throws Exception {
        return OpenApiCalls.prepare(op, MAPPER.readTree(args));
    }

    @Test
    void pathQueryHeaderAndCookieStyles() throws Exception {
        OpenApiOperation op = op("/a/{id}/b/{label}{matrix}", null,
                new Parameter("id", "id", "path", "simple", false, true),
                new Parameter("label", "label", "path", "label", false, true),
                new Parameter("matrix", "matrix", "path", "matrix", true, true),
                new Parameter("tags", "tags", "query", "form", true, false),
                new Parameter("ids", "ids", "query", "form", false, false),
                new Parameter("pipes", "pipes", "query", "pipeDelimited", false, false),
                new Parameter("filter", "filter", "query", "deepObject", true, false),
                new Parameter("X-Trace", "X-Trace", "header", "simple", false, false),
                new Parameter("session", "session", "cookie", "form", true, false));
        OpenApiCalls.Prepared p = prepare(op, """
                {"id": "x y/ü", "label": [1, 2], "matrix": ["a", "b"], "tags": ["t 1", "t&2"], "ids": [3, 4],
                 "pipes": ["p", "q"], "filter": {"name": "n", "min": 2}, "X-Trace": ["a", "b"], "session": "s;1",
                 "unknown": true}""");
        assertThat(p.target()).isEqualTo("/a/x%20y%2F%C3%BC/b/.1,2;matrix=a;matrix=b"
                + "?tags=t%201&tags=t%262&ids=3,4&pipes=p%7Cq&filter%5Bname%5D=n&filter%5Bmin%5D=2");
        assertThat(p.headers()).containsEntry("X-Trace", "a,b").containsEntry("Cookie", "session=s%3B1");
        assertThat(p.body()).isNull();
    }

    @Test
    void optionalArgumentsMayBeLeftOutRequiredOnesMayNot() throws Exception {
        OpenApiOperation op = op("/pet/{petId}", new Body("body", "application/json", Body.Kind.JSON, true),
                new Parameter("petId", "petId", "path", "simple", false, true),
                new Parameter("q", "q", "query", "form", true, false));
        assertThatThrownBy(() -> prepare(op, "{\"body\": {}}")).isInstanceOf(OpenApiCalls.InvalidArguments.class)
                .hasMessageContaining("'petId'");
        assertThatThrownBy(() -> prepare(op, "{\"petId\": 1}")).hasMessageContaining("'body'");
        assertThatThrownBy(() -> prepare(op, "[1]")).hasMessageContaining("must be an object");
        OpenApiCalls.Prepared p = prepare(op, "{\"petId\": 1, \"q\": null, \"body\": {\"name\": \"Rex\"}}");
        assertThat(p.target()).isEqualTo("/pet/1");
        assertThat(p.contentType()).isEqualTo("application/json");
        assertThat(p.body().toString()).isEqualTo("{\"name\":\"Rex\"}");
    }

    @Test
    void formAndTextBodies() throws Exception {
        OpenApiCalls.Prepared form = prepare(op("/f", new Body("body", "application/x-www-form-urlencoded", Body.Kind.FORM,
                false)), "{\"body\": {\"name\": \"a b\", \"tags\": [\"x\", \"y\"], \"n\": 3}}");
        assertThat(form.body().toString()).isEqualTo("name=a%20b&tags=x&tags=y&n=3");
        OpenApiCalls.Prepared text = prepare(op("/t", new Body("body", "application/octet-stream", Body.Kind.TEXT, false)),
                "{\"body\": \"raw bytes\"}");
        assertThat(text.body().toString()).isEqualTo("raw bytes");
        assertThat(text.contentType()).isEqualTo("application/octet-stream");
    }

    @Test
    void responsesBecomeToolResults() {
        ObjectNode object = OpenApiCalls.result(200, "OK", "application/json", Buffer.buffer("{\"id\":1}"), "u");
        assertThat(object.path("structuredContent").toString()).isEqualTo("{\"id\":1}");
        assertThat(object.at("/content/0/text").asText()).isEqualTo("{\"id\":1}");
        assertThat(object.has("isError")).isFalse();
        ObjectNode array = OpenApiCalls.result(200, "OK", "application/problem+json", Buffer.buffer("[1,2]"), "u");
        assertThat(array.path("structuredContent").toString()).isEqualTo("{\"result\":[1,2]}");
        ObjectNode text = OpenApiCalls.result(200, "OK", "text/plain", Buffer.buffer("hello"), "u");
        assertThat(text.has("structuredContent")).isFalse();
        assertThat(text.at("/content/0/text").asText()).isEqualTo("hello");
        ObjectNode empty = OpenApiCalls.result(204, "No Content", null, Buffer.buffer(), "u");
        assertThat(empty.at("/content/0/text").asText()).isEqualTo("HTTP 204 (no content)");
        ObjectNode error = OpenApiCalls.result(500, "Internal Server Error", "application/json",
                Buffer.buffer("{\"message\":\"boom\"}"), "u");
        assertThat(error.path("isError").asBoolean()).isTrue();
        assertThat(error.at("/content/0/text").asText()).isEqualTo("HTTP 500 Internal Server Error: {\"message\":\"boom\"}");
        ObjectNode image = OpenApiCalls.result(200, "OK", "image/png", Buffer.buffer(new byte[]{(byte) 0x89, 'P'}), "u");
        assertThat(image.at("/content/0/type").asText()).isEqualTo("image");
        assertThat(image.at("/content/0/mimeType").asText()).isEqualTo("image/png");
        JsonNode blob = OpenApiCalls
                .result(200, "OK", "application/pdf", Buffer.buffer("%PDF".getBytes(StandardCharsets.UTF_8)),
                        "http://x/doc")
                .at("/content/0/resource");
        assertThat(blob.path("uri").asText()).isEqualTo("http://x/doc");
        assertThat(blob.path("blob").asText()).isEqualTo("JVBERg==");
    }
}
