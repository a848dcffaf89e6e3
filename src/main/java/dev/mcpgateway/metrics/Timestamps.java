package dev.mcpgateway.metrics;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** UTC times as ISO 8601 with milliseconds ({@code 2026-12-06T12:00:47.123Z}), made cheaply once per second. */
final class Timestamps {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.")
            .withZone(ZoneOffset.UTC);

    private record Second(long epochSecond, String prefix) {
    }

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private Timestamps() {
    }

    static String utc(Instant t) {
        Second s = last;
        if (s.epochSecond() != t.getEpochSecond()) {
            s = new Second(t.getEpochSecond(), SECONDS.format(t));
            last = s;
        }
        int millis = t.getNano() / 1_000_000;
        StringBuilder b = new StringBuilder(s.prefix().length() + 4).append(s.prefix());
        if (millis < 100) {
            b.append('0');
        }
        if (millis < 10) {
            b.append('0');
        }
        return b.append(millis).append('Z').toString();
    }
}
