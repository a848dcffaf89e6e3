package dev.mcpgateway.metrics;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;

/**
 * One line per MCP request: {@code key=value} text or a JSON object, on standard output in batches
 * (each line with its own {@code time}), or as a record of the logging category
 * {@code dev.mcpgateway.access}; that category's level turns the lines on and off either way. Values come from clients and upstreams (tool names, ids), so every control
 * character is escaped and a text value that could pass for another field is quoted: one request
 * is always exactly one line.
 */
@Singleton
public class AccessLog {

    private static final Logger ACCESS = Logger.getLogger("dev.mcpgateway.access");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean json;
    /** The batched standard output, or null to log each line as a record. */
    private final BatchedLines stdout;

    @Inject
    public AccessLog(GatewayConfig config) {
        this(config.accessLog().format() == GatewayConfig.AccessLogFormat.JSON,
                config.accessLog().sink() == GatewayConfig.AccessLogSink.STDOUT
                        ? new BatchedLines(System.out, config.accessLog().bufferSize().asLongValue(),
                                config.accessLog().flushInterval(), "access-log-writer")
                        : null);
    }

    AccessLog(boolean json) {
        this(json, null);
    }

    AccessLog(boolean json, BatchedLines stdout) {
        this.json = json;
        this.stdout = stdout;
    }

    /** Writes the lines still in the buffer. */
    @PreDestroy
    void close() {
        if (stdout != null) {
            stdout.close();
        }
    }

    /** Whether lines are written: the category {@code dev.mcpgateway.access} is at INFO or finer. */
    public boolean enabled() {
        return ACCESS.isInfoEnabled();
    }

    /** Logs one request; {@code null} values are written as {@code -}. */
    public void request(String method, String name, String backend, String session, String principal, String outcome,
            double durationMillis) {
        request(method, name, backend, session, principal, outcome, durationMillis, null, null);
    }

    /**
     * Logs one request; {@code null} values are written as {@code -}. When a rate-limit rule counted
     * the request, the line carries {@code rate_limit=<rule>:<decision>}.
     */
    public void request(String method, String name, String backend, String session, String principal, String outcome,
            double durationMillis, String rateLimitRule, String rateLimitDecision) {
        if (!enabled()) {
            return;
        }
        // A record of the logging system carries its own time; a line on standard output, its own.
        String time = stdout == null ? null : Timestamps.utc(Instant.now());
        String line;
        if (json) {
            Map<String, String> fields = new LinkedHashMap<>();
            if (time != null) {
                fields.put("time", time);
            }
            fields.put("method", method);
            fields.put("name", name);
            fields.put("backend", backend);
            fields.put("session", session);
            fields.put("principal", principal);
            fields.put("outcome", outcome);
            if (rateLimitRule != null) {
                fields.put("rate_limit", rateLimitRule + ':' + rateLimitDecision);
            }
            line = format(fields, durationMillis);
        } else {
            // The line of every request: built directly, with no map and no format string.
            StringBuilder out = new StringBuilder(192);
            if (time != null) {
                out.append("time=").append(time).append(' ');
            }
            field(out, "method", method);
            field(out, "name", name);
            field(out, "backend", backend);
            field(out, "session", session);
            field(out, "principal", principal);
            field(out, "outcome", outcome);
            if (rateLimitRule != null) {
                // Rule names are plain tokens (checked with the configuration); decisions are the gateway's own.
                out.append("rate_limit=").append(rateLimitRule).append(':').append(rateLimitDecision).append(' ');
            }
            line = millis(out.append("duration_ms="), durationMillis).toString();
        }
        if (stdout != null) {
            stdout.add(line);
        } else {
            ACCESS.info(line);
        }
    }

    String format(Map<String, String> fields, double durationMillis) {
        if (json) {
            ObjectNode line = JSON.createObjectNode();
            fields.forEach((k, v) -> line.put(k, v == null ? "-" : v));
            line.put("duration_ms", Math.round(durationMillis * 1000) / 1000.0);
            try {
                // Jackson escapes control characters in JSON strings.
                return JSON.writeValueAsString(line);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        StringBuilder out = new StringBuilder(128);
        fields.forEach((k, v) -> field(out, k, v));
        millis(out.append("duration_ms="), durationMillis);
        return out.toString();
    }

    private static void field(StringBuilder out, String key, String value) {
        out.append(key).append('=').append(text(value)).append(' ');
    }

    /** Milliseconds with three decimals, as {@code %.3f} would write them (half up). */
    static StringBuilder millis(StringBuilder out, double value) {
        long micros = Math.round(Math.max(0, value) * 1000);
        out.append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) {
            out.append('0');
        }
        if (frac < 10) {
            out.append('0');
        }
        return out.append(frac);
    }

    /** Whether a value needs neither escaping nor quotes (the common case: names, ids, outcomes). */
    private static boolean plain(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c == '=' || c == '"' || c == '\\' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** A value as one token: control characters escaped, quoted when it holds a space, quote or '='. */
    static String text(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        if (plain(value)) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length() + 2);
        boolean quote = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                case '"' -> {
                    b.append("\\\"");
                    quote = true;
                }
                case ' ', '=' -> {
                    b.append(c);
                    quote = true;
                }
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return quote ? "\"" + b + "\"" : b.toString();
    }
}
