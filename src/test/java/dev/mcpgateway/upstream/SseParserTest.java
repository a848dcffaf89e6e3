package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class SseParserTest {

    private final List<SseParser.Event> events = new ArrayList<>();
    private final SseParser parser = new SseParser(events::add);

    private void feed(String text) {
        parser.feed(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void dataLinesOfOneEventJoinWithNewlines() {
        feed("data: first\ndata: second\ndata:third\n\n");

        assertThat(events).containsExactly(new SseParser.Event(null, "message", "first\nsecond\nthird", null));
    }

    @Test
    void onlyOneLeadingSpaceIsStrippedFromAValue() {
        feed("data:  two spaces\n\n");

        assertThat(events).extracting(SseParser.Event::data).containsExactly(" two spaces");
    }

    @Test
    void emptyDataLineContributesAnEmptyLine() {
        feed("data\ndata: x\ndata:\n\n");

        assertThat(events).extracting(SseParser.Event::data).containsExactly("\nx\n");
    }

    @Test
    void lfCrlfAndCrEndLinesAlike() {
        feed("data: lf\n\n");
        feed("data: crlf\r\n\r\n");
        feed("data: cr\r\r");
        feed("data: mixed\r\ndata: two\n\r");

        assertThat(events).extracting(SseParser.Event::data).containsExactly("lf", "crlf", "cr", "mixed\ntwo");
    }

    @Test
    void crlfSplitAcrossChunksIsOneLineEnd() {
        feed("data: a\r");
        feed("\ndata: b\r");
        feed("\n\r");
        feed("\n");

        assertThat(events).extracting(SseParser.Event::data).containsExactly("a\nb");
    }

    @Test
    void commentsAreIgnored() {
        feed(": keep-alive\n\n");
        feed(":another\ndata: real\n: in the middle\n\n");

        assertThat(events).extracting(SseParser.Event::data).containsExactly("real");
    }

    @Test
    void idEventAndRetryFieldsAreReported() {
        feed("id: 42\nevent: endpoint\nretry: 3000\ndata: /message?sessionId=abc\n\n");

        assertThat(events).containsExactly(new SseParser.Event("42", "endpoint", "/message?sessionId=abc", 3000L));
    }

    @Test
    void eventTypeAndIdDoNotLeakIntoTheNextEvent() {
        feed("event: endpoint\nid: 1\ndata: a\n\ndata: b\n\n");

        assertThat(events).containsExactly(
                new SseParser.Event("1", "endpoint", "a", null),
                new SseParser.Event(null, "message", "b", null));
    }

    @Test
    void retryThatIsNotANumberIsIgnored() {
        feed("retry: soon\ndata: x\n\n");

        assertThat(events).containsExactly(new SseParser.Event(null, "message", "x", null));
    }

    @Test
    void idWithNulIsIgnored() {
        feed("id: a\u0000b\ndata: x\n\n");

        assertThat(events).extracting(SseParser.Event::id).containsExactly((String) null);
    }

    @Test
    void unknownFieldsAreIgnored() {
        feed("foo: bar\nfoo\ndata: x\n\n");

        assertThat(events).containsExactly(new SseParser.Event(null, "message", "x", null));
    }

    @Test
    void blankLinesWithoutFieldsDispatchNothing() {
        feed("\n\n\r\n\r\r");
        feed("event: ping\n\n");

        assertThat(events).isEmpty();
    }

    @Test
    void incompleteEventIsHeldUntilItsBlankLine() {
        feed("data: {\"jsonrpc\":");
        assertThat(events).isEmpty();
        feed("\"2.0\"}\n");
        assertThat(events).isEmpty();
        feed("\n");

        assertThat(events).extracting(SseParser.Event::data).containsExactly("{\"jsonrpc\":\"2.0\"}");
    }

    @Test
    void chunksSplitInsideMultiByteCharactersDecodeIntact() {
        String text = "data: héllo € 𝄞 end\n\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // Every split point, including inside the 2-, 3- and 4-byte sequences.
        for (int split = 1; split < bytes.length; split++) {
            events.clear();
            SseParser p = new SseParser(events::add);
            p.feed(Buffer.buffer(Arrays.copyOfRange(bytes, 0, split)));
            p.feed(Buffer.buffer(Arrays.copyOfRange(bytes, split, bytes.length)));
            assertThat(events).as("split at byte %d", split).extracting(SseParser.Event::data)
                    .containsExactly("héllo € 𝄞 end");
        }
    }

    @Test
    void byteAtATimeFeedsGiveTheSameEvents() {
        String stream = "event: endpoint\r\ndata: /m?s=1\r\n\r\n: c\nevent: message\ndata: {\"a\":\"ü€\"}\rdata: 2\r\r";
        for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
            parser.feed(new byte[]{b});
        }

        assertThat(events).containsExactly(
                new SseParser.Event(null, "endpoint", "/m?s=1", null),
                new SseParser.Event(null, "message", "{\"a\":\"ü€\"}\n2", null));
    }

    @Test
    void severalEventsInOneChunk() {
        feed("event: endpoint\ndata: /e\n\nevent: message\ndata: 1\n\nevent: message\ndata: 2\n\n");

        assertThat(events).extracting(SseParser.Event::event, SseParser.Event::data).containsExactly(
                Tuple.tuple("endpoint", "/e"),
                Tuple.tuple("message", "1"),
                Tuple.tuple("message", "2"));
    }
}
