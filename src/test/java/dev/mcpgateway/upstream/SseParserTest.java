package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    // ---- bounds -------------------------------------------------------------------------------

    @Test
    void aLineLongerThanTheBoundIsRefusedWhileItGrows() {
        SseParser bounded = new SseParser(events::add, 16);
        // The bound, and room for a field name.
        bounded.feed(("data: " + "x".repeat(16 + 64 - 6)).getBytes(StandardCharsets.UTF_8));

        // No line end ever comes: the parser refuses before holding more than that.
        assertThatThrownBy(() -> bounded.feed("x".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(SseParser.LimitExceeded.class, e -> {
                    assertThat(e.what()).isEqualTo("an event-stream line");
                    assertThat(e.limit()).isEqualTo(16);
                });
        assertThat(events).isEmpty();
    }

    @Test
    void anEventOfShortLinesLargerThanTheBoundIsRefused() {
        SseParser bounded = new SseParser(events::add, 16);
        bounded.feed("data: 01234567\n".getBytes(StandardCharsets.UTF_8));

        // 8 + 1 (the newline joining data lines) + 8 bytes of data: one past the bound.
        assertThatThrownBy(() -> bounded.feed("data: 89abcdef\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(SseParser.LimitExceeded.class, e -> assertThat(e.what()).isEqualTo("an event"));
        assertThat(events).isEmpty();
    }

    @Test
    void anEventExactlyAtTheBoundPassesAndTheCountStartsAgainAfterIt() {
        SseParser bounded = new SseParser(events::add, 16);
        for (int i = 0; i < 3; i++) {
            bounded.feed("data: 0123456\ndata: 01234567\n\n".getBytes(StandardCharsets.UTF_8));
        }

        assertThat(events).hasSize(3).extracting(SseParser.Event::data).containsOnly("0123456\n01234567");
    }

    @Test
    void theBoundCountsBytesNotCharacters() {
        // Eight characters, 24 bytes in UTF-8.
        SseParser bounded = new SseParser(events::add, 20);

        assertThatThrownBy(() -> bounded.feed("data:€€€€€€€€\n\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SseParser.LimitExceeded.class);
        SseParser roomy = new SseParser(events::add, 29);
        roomy.feed("data:€€€€€€€€\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(events).extracting(SseParser.Event::data).containsExactly("€€€€€€€€");
    }

    @Test
    void aParserPastItsBoundRefusesEverythingAfter() {
        SseParser bounded = new SseParser(events::add, 8);
        assertThatThrownBy(() -> bounded.feed(("data: " + "x".repeat(100)).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SseParser.LimitExceeded.class);

        // Its place in the stream is lost: what follows is not parsed as a fresh event.
        assertThatThrownBy(() -> bounded.feed("\n\ndata: x\n\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SseParser.LimitExceeded.class);
        assertThat(events).isEmpty();
    }

    @Test
    void commentsAndOtherFieldsDoNotCountTowardsTheEvent() {
        SseParser bounded = new SseParser(events::add, 8);
        bounded.feed(": a comment\nid: 12345\nevent: message\ndata: 01234567\n: another one\n\n"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(events).extracting(SseParser.Event::data).containsExactly("01234567");
    }
}
