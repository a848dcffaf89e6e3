package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** Lines bounded in bytes, and the response id found in a line too long to keep. */
class BoundedLineReaderTest {

    @Test
    void linesUpToTheBoundPassAndLongerOnesAreReportedWithTheirSize() throws Exception {
        String input = "short\n" + "x".repeat(50) + "\n\n  \n" + "y".repeat(16) + "\nlast";
        List<String> lines = new ArrayList<>();
        List<Long> overlong = new ArrayList<>();

        read(input, 16, lines, overlong, new ArrayList<>());

        assertThat(lines).containsExactly("short", "y".repeat(16), "last");
        assertThat(overlong).containsExactly(50L);
    }

    @Test
    void aLineLongerThanManyReadsIsNeverHeldAndItsResponseIdIsFound() throws Exception {
        String text = "z".repeat(100_000);
        String line = "{\"jsonrpc\":\"2.0\",\"result\":{\"id\":99,\"content\":[{\"text\":\"" + text
                + "\\\",\\\"id\\\":5 }{\"}]},\"id\":42}";
        List<JsonNode> ids = new ArrayList<>();
        List<Long> overlong = new ArrayList<>();

        read(line + "\nnext\n", 1024, new ArrayList<>(), overlong, ids);

        assertThat(overlong).containsExactly((long) line.getBytes(StandardCharsets.UTF_8).length);
        assertThat(ids).hasSize(1);
        assertThat(ids.get(0).asLong()).isEqualTo(42);
    }

    @Test
    void theScannerTellsOnlyResponsesWithOneTopLevelId() {
        assertThat(scan("{\"id\": \"abc\" , \"result\": {\"id\": 1}}")).isEqualTo(TextNode.valueOf("abc"));
        assertThat(scan("{\"result\": [\"}\", {\"id\": 3}], \"error\": null, \"id\":12}").asLong()).isEqualTo(12);
        assertThat(scan("{\"method\": \"sampling/createMessage\", \"id\": 4}")).isNull();
        assertThat(scan("[{\"id\": 4, \"result\": {}}]")).isNull();
        assertThat(scan("{\"id\": 4, \"result\": {}, \"id\": 5}")).isNull();
        assertThat(scan("{\"id\": {\"x\": 1}, \"result\": {}}")).isNull();
        assertThat(scan("{\"result\": {}, \"id\": 4")).isNull();
        assertThat(scan("{\"result\": \"é\\\"\", \"id\": 6}").asLong()).isEqualTo(6);
    }

    private static JsonNode scan(String json) {
        BoundedLineReader.ResponseIdScanner scanner = new BoundedLineReader.ResponseIdScanner();
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        scanner.feed(bytes, 0, bytes.length);
        return scanner.responseId();
    }

    private static void read(String input, int max, List<String> lines, List<Long> overlong, List<JsonNode> ids)
            throws Exception {
        new BoundedLineReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), max,
                new BoundedLineReader.Handler() {
                    @Override
                    public void line(byte[] line) {
                        lines.add(new String(line, StandardCharsets.UTF_8));
                    }

                    @Override
                    public void overlong(long size, JsonNode responseId) {
                        overlong.add(size);
                        ids.add(responseId);
                    }
                }).run();
    }
}
