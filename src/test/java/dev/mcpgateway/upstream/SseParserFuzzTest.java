package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

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

    /** A stream written with a mix of LF, CRLF and CR gives the same events however it is cut. */
    @Property(tries = 500)
    void anyChunkingOfAValidStreamGivesTheWrittenEvents(@ForAll("streams") List<Written> stream,
            @ForAll("cuts") List<Integer> cuts) {
        byte[] bytes = write(stream);

        List<SseParser.Event> events = feed(bytes, cuts);

        assertThat(events).containsExactlyElementsOf(stream.stream().map(Written::expected).toList());
    }

    /** Text built from the stream's own tokens: the events do not depend on where the chunks end. */
    @Property(tries = 1000)
    void eventsDoNotDependOnChunkBoundaries(@ForAll("sseLikeText") String text, @ForAll("cuts") List<Integer> cuts) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

        assertThat(feed(bytes, cuts)).isEqualTo(feed(bytes, List.of()));
    }

    /** Arbitrary bytes, in arbitrary pieces, never make the parser throw. */
    @Property(tries = 1000)
    void arbitraryBytesNeverThrow(@ForAll @Size(max = 400) byte[] bytes, @ForAll("cuts") List<Integer> cuts) {
        List<SseParser.Event> events = feed(bytes, cuts);

        assertThat(events).allSatisfy(e -> {
            assertThat(e.event()).isNotEmpty();
            assertThat(e.data()).isNotNull();
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
    static Arbitrary<String> lineText() {
        return Arbitraries.of("a", "b", " ", "{", "}", "\"", ":", ",", "0", "9", "é", "€", "𝄞", "\t", "\u0000").list()
                .ofMaxSize(20).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<List<Written>> streams() {
        Arbitrary<String> id = Arbitraries.strings().withChars("abcXYZ0123456789:-_").ofMaxLength(12);
        Arbitrary<String> event = Arbitraries.of("message", "endpoint", "ping", "");
        Arbitrary<Long> retry = Arbitraries.longs().between(0, 600_000);
        Arbitrary<String> ending = Arbitraries.of("\n", "\r\n", "\r");
        Arbitrary<Written> one = Combinators.combine(id.optional(0.5), event.optional(0.4),
                lineText().list().ofMinSize(1).ofMaxSize(4), retry.optional(0.2), ending.list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of(true, false))
                .as((Optional<String> i, Optional<String> e, List<String> d, Optional<Long> r, List<String> ends,
                        Boolean c) -> new Written(i.orElse(null), e.orElse(null), d, r.orElse(null), ends, c));
        return one.list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 10_000).list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<String> sseLikeText() {
        return Arbitraries.of("data", "data:", "data: ", "id:", "id: 7", "event:", "event: x", "retry:", "retry: 10",
                "retry: x", ":", ": c", " ", "\r", "\n", "\r\n", "\n\n", "\r\r", "x", "{\"a\":1}", "é", "€", "𝄞", "\u0000",
                "\uFEFF").list().ofMaxSize(40).map(l -> String.join("", l));
    }
}
