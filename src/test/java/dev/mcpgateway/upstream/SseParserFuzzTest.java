package dev.mcpgateway.upstream;

import static dev.mcpgateway.testing.Fuzz.bytes;
import static dev.mcpgateway.testing.Fuzz.concat;
import static dev.mcpgateway.testing.Fuzz.forAll;
import static dev.mcpgateway.testing.Fuzz.ints;
import static dev.mcpgateway.testing.Fuzz.longs;
import static dev.mcpgateway.testing.Fuzz.of;
import static dev.mcpgateway.testing.Fuzz.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.Fuzz;
import dev.mcpgateway.testing.Fuzz.Gen;

/**
 * Property-based fuzzing of the SSE reader: bytes arrive in whatever pieces the network makes, with
 * any of the three line ends, and sometimes are not an event stream at all.
 */
class SseParserFuzzTest {

    /** An event as the generator writes it; {@code data} has one entry per data line. */
    record Written(String id, String event, List<String> data, Long retry, List<String> endings, boolean comment) {

        SseParser.Event expected() {
            return new SseParser.Event(id, event == null || event.isEmpty() ? "message" : event, String.join("\n", data),
                    retry);
        }
    }

    /** An input and where the network cuts it. */
    record Chunked<T>(T input, List<Integer> cuts) {

        static <T> Gen<Chunked<T>> of(Gen<T> input) {
            return r -> new Chunked<>(input.next(r), SseParserFuzzTest.cuts().next(r));
        }

        @Override
        public String toString() {
            String shown = input instanceof List<?> l
                    ? Fuzz.escape("events " + l) + " written as " + Fuzz.describe(write(cast(l)))
                    : Fuzz.describe(input);
            return shown + " cut at " + cuts;
        }

        @SuppressWarnings("unchecked")
        private static List<Written> cast(List<?> l) {
            return (List<Written>) l;
        }
    }

    /** A stream written with a mix of LF, CRLF and CR gives the same events however it is cut. */
    @Test
    void anyChunkingOfAValidStreamGivesTheWrittenEvents() {
        forAll(500, Chunked.of(streams()), c -> {
            byte[] bytes = write(c.input());

            List<SseParser.Event> events = feed(bytes, c.cuts());

            assertThat(events).containsExactlyElementsOf(c.input().stream().map(Written::expected).toList());
        });
    }

    /** Text built from the stream's own tokens: the events do not depend on where the chunks end. */
    @Test
    void eventsDoNotDependOnChunkBoundaries() {
        forAll(1000, Chunked.of(sseLikeText()), c -> {
            byte[] bytes = c.input().getBytes(StandardCharsets.UTF_8);

            assertThat(feed(bytes, c.cuts())).isEqualTo(feed(bytes, List.of()));
        });
    }

    /** Arbitrary bytes, in arbitrary pieces, never make the parser throw. */
    @Test
    void arbitraryBytesNeverThrow() {
        forAll(1000, Chunked.of(bytes(400)), c -> {
            List<SseParser.Event> events = feed(c.input(), c.cuts());

            assertThat(events).allSatisfy(e -> {
                assertThat(e.event()).isNotEmpty();
                assertThat(e.data()).isNotNull();
            });
        });
    }

    // ---------------------------------------------------------------- helpers

    /** Feeds {@code bytes} cut at the given offsets (taken modulo the length, so any list works). */
    static List<SseParser.Event> feed(byte[] bytes, List<Integer> cuts) {
        List<SseParser.Event> events = new ArrayList<>();
        SseParser parser = new SseParser(events::add);
        int[] at = cuts.stream().mapToInt(c -> bytes.length == 0 ? 0 : Math.floorMod(c, bytes.length + 1)).sorted().distinct()
                .toArray();
        int from = 0;
        for (int cut : at) {
            parser.feed(Arrays.copyOfRange(bytes, from, cut));
            from = cut;
        }
        parser.feed(Arrays.copyOfRange(bytes, from, bytes.length));
        return events;
    }

    static byte[] write(List<Written> stream) {
        StringBuilder s = new StringBuilder();
        String previousEnd = "";
        for (Written w : stream) {
            List<String> lines = new ArrayList<>();
            if (w.comment()) {
                lines.add(": keep-alive");
            }
            if (w.id() != null) {
                lines.add("id: " + w.id());
            }
            if (w.event() != null) {
                lines.add("event:" + w.event());
            }
            if (w.retry() != null) {
                lines.add("retry: " + w.retry());
            }
            for (String d : w.data()) {
                // One leading space is eaten, so a value starting with a space needs another.
                lines.add(d.isEmpty() ? "data" : "data: " + d);
            }
            lines.add(""); // the blank line that dispatches
            for (int i = 0; i < lines.size(); i++) {
                String end = w.endings().get(i % w.endings().size());
                // CR then a blank line ended by LF reads as one CRLF: the writer never does that.
                if (previousEnd.equals("\r") && lines.get(i).isEmpty() && end.equals("\n")) {
                    end = "\r\n";
                }
                s.append(lines.get(i)).append(end);
                previousEnd = end;
            }
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- generators

    /** Text without line ends: letters, JSON punctuation, and 2-, 3- and 4-byte UTF-8 characters. */
    static Gen<String> lineText() {
        return concat(List.of("a", "b", " ", "{", "}", "\"", ":", ",", "0", "9", "é", "€", "𝄞", "\t", "\u0000"), 20);
    }

    /** Up to eight events, each with some of id, event type, retry and a comment, and one to four data lines. */
    static Gen<List<Written>> streams() {
        Gen<String> id = strings("abcXYZ0123456789:-_", 12).orNull(0.5);
        Gen<String> event = of("message", "endpoint", "ping", "").orNull(0.4);
        Gen<Long> retry = longs(0, 600_000).orNull(0.2);
        Gen<List<String>> data = lineText().list(1, 4);
        Gen<List<String>> endings = of("\n", "\r\n", "\r").list(1, 3);
        Gen<Written> one = r -> new Written(id.next(r), event.next(r), data.next(r), retry.next(r), endings.next(r),
                r.nextBoolean());
        return one.list(0, 8);
    }

    /** Up to twelve offsets; {@link #feed} takes them modulo the length, so any list works. */
    static Gen<List<Integer>> cuts() {
        return ints(0, 10_000).list(0, 12);
    }

    static Gen<String> sseLikeText() {
        return concat(List.of("data", "data:", "data: ", "id:", "id: 7", "event:", "event: x", "retry:", "retry: 10",
                "retry: x", ":", ": c", " ", "\r", "\n", "\r\n", "\n\n", "\r\r", "x", "{\"a\":1}", "é", "€", "𝄞", "\u0000",
                "\uFEFF"), 40);
    }
}
