package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Defects the config fuzzing ({@link ConfigParsersFuzzTest}) found, one reproducer each: a backend
 * {@code timeout} that crashed the parser, overflowed the upstream clients' millisecond arithmetic,
 * or disabled the timeout, is now refused with a message naming the file, the server and the field.
 * MCPRoute has no timeout field (every backend gets {@link BackendRules#DEFAULT_TIMEOUT}).
 */
class ConfigDefectsTest {

    static final Map<String, String> ENV = Map.of("ZERO", "0s", "HOUR", "1h");

    static String server(String timeout) {
        return """
                {"mcpServers": {"a": {"url": "http://127.0.0.1:3001/mcp", "timeout": %s}}}""".formatted(timeout);
    }

    static Duration parsed(String timeout) throws ConfigException {
        return McpServersParser.parse("servers.json", server(timeout), ENV::get).routes().get(0).backends().get(0)
                .timeout();
    }

    /** Refused with a message naming the file, the server and the field, and saying what is expected. */
    static void refused(String timeout, String why) {
        assertThatThrownBy(() -> parsed(timeout)).as(timeout).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("servers.json: server \"a\": \"timeout\": expected seconds or a duration like"
                        + " 500ms, 30s, 2m, 1h or PT30S, from 1ms to 1 day; got ")
                .hasMessageEndingWith(why);
    }

    /**
     * Was: {@code StringIndexOutOfBoundsException} from the duration parser, for an object or an
     * array (read as their empty text) and for strings that trim to nothing.
     */
    @Test
    void timeoutThatIsEmptyOrAContainerIsAConfigException() {
        refused("\"\"", "got \"\"");
        refused("\" \"", "got \" \"");
        refused("\"\\u0000\"", "got \"\\u0000\"");
        refused("\"\\t\\n\"", "got \"\\t\\n\"");
        refused("{}", "got an object");
        refused("{\"value\": 30}", "got an object");
        refused("[]", "got an array");
        refused("[30]", "got an array");
        refused("true", "got true");
        for (String unreadable : List.of("\"ms\"", "\"s\"", "\"P\"", "\"PT\"", "\"1.5s\"", "\"NaN\"", "\"Infinity\"",
                "\"30 seconds\"", "\"1e999999999999\"")) {
            refused(unreadable, "got " + unreadable);
        }
    }

    /**
     * Was: {@code ArithmeticException} for hours, minutes or seconds beyond a {@code Duration}, and
     * ISO-8601 durations that parsed but overflowed every upstream client's
     * {@code timeout().toMillis()} at start-up.
     */
    @Test
    void timeoutTooLargeIsAConfigException() {
        for (String timeout : List.of("\"9223372036854775807h\"", "\"9223372036854775807m\"", "\"9223372036854775807s\"",
                "\"99999999999999999999999h\"", "\"PT9223372036854775807S\"", "\"P106751991167300D\"", "\"25h\"",
                "\"1441m\"", "\"P1DT0.001S\"", "\"86400001ms\"", "86400.001", "1e308", "99999999999999999999999")) {
            refused(timeout, ", which is longer");
        }
        // ISO-8601 beyond what Duration holds at all
        refused("\"PT99999999999999999999S\"", "got \"PT99999999999999999999S\"");
    }

    /**
     * Was accepted: the upstream clients then gave a delay below 1 ms to {@code vertx.setTimer}
     * (IllegalArgumentException) and 0 to {@code RequestOptions.setTimeout} (no timeout at all).
     */
    @Test
    void timeoutThatIsNotPositiveIsAConfigException() {
        for (String timeout : List.of("0", "-1", "-0.5", "\"0s\"", "\"-1s\"", "\"PT-1S\"", "\"PT0S\"", "\"0ms\"",
                "\"-5m\"", "\"${ZERO}\"")) {
            refused(timeout, ", which is not positive");
        }
        for (String timeout : List.of("0.0001", "\"0.0009\"", "\"PT0.0001S\"")) {
            refused(timeout, ", which is shorter");
        }
    }

    /** The limits are included, and every accepted form reads as what it says. */
    @Test
    void timeoutsWithinTheLimitsKeepTheirValue() throws ConfigException {
        assertThat(parsed("0.001")).isEqualTo(Duration.ofMillis(1));
        assertThat(parsed("\"1ms\"")).isEqualTo(Duration.ofMillis(1));
        assertThat(parsed("\"PT0.001S\"")).isEqualTo(Duration.ofMillis(1));
        assertThat(parsed("\"500ms\"")).isEqualTo(Duration.ofMillis(500));
        assertThat(parsed("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(parsed("\" 30 \"")).isEqualTo(Duration.ofSeconds(30));
        assertThat(parsed("\"2m\"")).isEqualTo(Duration.ofMinutes(2));
        assertThat(parsed("\"${HOUR}\"")).isEqualTo(Duration.ofHours(1));
        assertThat(parsed("\"pt1m30s\"")).isEqualTo(Duration.ofSeconds(90));
        assertThat(parsed("86400")).isEqualTo(Duration.ofDays(1));
        assertThat(parsed("\"24h\"")).isEqualTo(Duration.ofDays(1));
        assertThat(parsed("\"P1D\"")).isEqualTo(Duration.ofDays(1));
        assertThat(parsed("null")).isEqualTo(BackendRules.DEFAULT_TIMEOUT);
    }
}
