package dev.mcpgateway.events;

import java.time.Instant;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * Writes one event as a single-line JSON object, field by field, with no tree and no map: the
 * event of every request is built this way. Null values are left out (docs/events.md: a field is
 * absent when it is unknown).
 */
final class EventJson {

    /** The version of the event schema; a change that removes or redefines a field raises it. */
    static final int SCHEMA_VERSION = 1;

    private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();

    private final StringBuilder out = new StringBuilder(384);
    private boolean first = true;

    /** An event of {@code type}: the fields every event carries. */
    static EventJson event(String type, Instant time, String replica, long seq) {
        EventJson json = new EventJson();
        json.out.append('{');
        return json.field("schema", "mcp-gateway.event").field("version", SCHEMA_VERSION).field("type", type)
                .field("time", time.toString()).field("replica", replica).field("seq", seq);
    }

    EventJson field(String name, String value) {
        if (value == null) {
            return this;
        }
        name(name).append('"');
        ESCAPE.quoteAsString(value, out);
        out.append('"');
        return this;
    }

    EventJson field(String name, long value) {
        name(name).append(value);
        return this;
    }

    /** A non-negative number, left out when negative (unknown). */
    EventJson count(String name, long value) {
        return value < 0 ? this : field(name, value);
    }

    /** Milliseconds with three decimals. */
    EventJson millis(String name, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        name(name).append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) {
            out.append('0');
        }
        if (frac < 10) {
            out.append('0');
        }
        out.append(frac);
        return this;
    }

    /** An object of two text fields, left out when both are null. */
    EventJson pair(String name, String k1, String v1, String k2, String v2) {
        if (v1 == null && v2 == null) {
            return this;
        }
        name(name).append('{');
        boolean outer = first;
        first = true;
        field(k1, v1).field(k2, v2);
        first = outer;
        out.append('}');
        return this;
    }

    /** An array of text values, left out when null. */
    EventJson strings(String name, Iterable<String> values) {
        if (values == null) {
            return this;
        }
        name(name).append('[');
        boolean any = false;
        for (String v : values) {
            if (any) {
                out.append(',');
            }
            out.append('"');
            ESCAPE.quoteAsString(v, out);
            out.append('"');
            any = true;
        }
        out.append(']');
        return this;
    }

    private StringBuilder name(String name) {
        if (!first) {
            out.append(',');
        }
        first = false;
        return out.append('"').append(name).append("\":");
    }

    String end() {
        return out.append('}').toString();
    }
}
