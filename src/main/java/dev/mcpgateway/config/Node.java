package dev.mcpgateway.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A value in a configuration document (mcp-servers.json or an MCPRoute YAML document) with the path
 * that leads to it, so every error names the file, the field and what was expected. Strings go
 * through {@code ${VAR}} substitution as they are read. Absent and {@code null} are the same.
 */
final class Node {

    /** How paths and messages are written: the way each format's users name things. */
    enum Style {
        /** {@code "auth".oauth.resource}, {@code "headers"."X-Key"}, {@code "tools"[0]}; "an array". */
        JSON,
        /** {@code spec.backendRefs[0].name}, {@code data["ca.crt"]}; "a list". */
        YAML
    }

    private final String location;
    private final Style style;
    private final EnvSubstitution substitution;
    private final String path;
    private final JsonNode node;

    private Node(String location, Style style, EnvSubstitution substitution, String path, JsonNode node) {
        this.location = location;
        this.style = style;
        this.substitution = substitution;
        this.path = path;
        this.node = node;
    }

    /**
     * The root of a document.
     *
     * @param location what precedes every path in messages: the file, and the entry or document
     */
    static Node root(String location, Style style, EnvSubstitution substitution, JsonNode node) {
        return new Node(location, style, substitution, "", node);
    }

    /** The same value under another location (e.g. one server entry of the file). */
    Node at(String newLocation) {
        return new Node(newLocation, style, substitution, "", node);
    }

    Style style() {
        return style;
    }

    JsonNode node() {
        return node;
    }

    boolean present() {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    Node field(String name) {
        JsonNode child = node != null && node.isObject() ? node.get(name) : null;
        String step = switch (style) {
            case JSON -> path.isEmpty() ? "\"" + name + "\"" : "." + name;
            case YAML -> name.contains(".") || name.contains("/") ? "[\"" + name + "\"]"
                    : (path.isEmpty() ? "" : ".") + name;
        };
        return child(step, child);
    }

    Node index(int i) {
        return child("[" + i + "]", node != null && node.isArray() ? node.get(i) : null);
    }

    /** A key of a map the user writes (header names, claim names): quoted in JSON paths. */
    private Node key(String name) {
        if (style == Style.YAML) {
            return field(name);
        }
        return child((path.isEmpty() ? "" : ".") + "\"" + name + "\"", node.get(name));
    }

    private Node child(String step, JsonNode child) {
        return new Node(location, style, substitution, path + step, child);
    }

    String where() {
        return path.isEmpty() ? location : location + ": " + path;
    }

    ConfigException error(String message) {
        return new ConfigException(where() + ": " + message);
    }

    void requireObject() throws ConfigException {
        if (!present()) {
            throw error("required");
        }
        if (!node.isObject()) {
            throw error("expected an object");
        }
    }

    /** Unknown fields are usually typos that would otherwise be ignored silently. */
    void allowOnly(String... fields) throws ConfigException {
        Set<String> allowed = Set.of(fields);
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!allowed.contains(n)) {
                String expected = "expected one of " + String.join(", ", fields);
                throw style == Style.JSON ? error("unknown field \"" + n + "\"; " + expected)
                        : field(n).error("unknown field; " + expected);
            }
        }
    }

    String string() throws ConfigException {
        if (!present()) {
            throw error("required");
        }
        if (!node.isTextual()) {
            throw error("expected a string" + (style == Style.YAML && node.isValueNode() ? " (quote the value)" : ""));
        }
        return substitute(node.asText());
    }

    String optString(String fallback) throws ConfigException {
        return present() ? string() : fallback;
    }

    boolean bool(boolean fallback) throws ConfigException {
        if (!present()) {
            return fallback;
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isTextual()) {
            String v = substitute(node.asText());
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
        }
        throw error("expected true or false");
    }

    /** A port: a number, or a string such as "${PORT:-3001}" that becomes one. */
    int port() throws ConfigException {
        if (!present()) {
            throw error("required");
        }
        String text = node.isTextual() ? substitute(node.asText()).trim() : node.isIntegralNumber() ? node.asText() : null;
        try {
            int p = text == null ? -1 : Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error("expected a port number 1-65535, got " + (text == null ? node.toString() : "\"" + text + "\""));
    }

    /** Duration units as written after a number, {@code ms} before {@code m} and {@code s}, in seconds. */
    private static final List<Map.Entry<String, BigDecimal>> UNITS = List.of(Map.entry("ms", new BigDecimal("0.001")),
            Map.entry("s", BigDecimal.ONE), Map.entry("m", BigDecimal.valueOf(60)), Map.entry("h", BigDecimal.valueOf(3600)));

    /**
     * A duration from {@code min} to {@code max}, both included; {@code fallback} when absent. A
     * number is seconds ({@code 30}, {@code 0.5}); a string is a number of seconds, an integer with a
     * unit ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}) or ISO-8601 ({@code PT30S}), after
     * {@code ${VAR}} substitution. Values are read exactly, so nothing overflows before the range is
     * checked.
     */
    Duration duration(Duration fallback, Duration min, Duration max) throws ConfigException {
        if (!present()) {
            return fallback;
        }
        String expected = "expected seconds or a duration like 500ms, 30s, 2m, 1h or PT30S, from " + human(min) + " to "
                + human(max);
        if (!node.isNumber() && !node.isTextual()) {
            throw error(expected + "; got " + (node.isObject() ? "an object"
                    : node.isArray() ? (style == Style.JSON ? "an array" : "a list") : node.toString()));
        }
        String text = node.isNumber() ? node.asText() : substitute(node.asText());
        String got = node.isNumber() ? text : quoted(text);
        BigDecimal seconds;
        try {
            seconds = node.isNumber() ? node.decimalValue() : seconds(text);
        } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
            throw error(expected + "; got " + got);
        }
        if (seconds.compareTo(seconds(min)) < 0) {
            throw error(expected + "; got " + got + (seconds.signum() <= 0 ? ", which is not positive" : ", which is shorter"));
        }
        if (seconds.compareTo(seconds(max)) > 0) {
            throw error(expected + "; got " + got + ", which is longer");
        }
        return Duration.ofNanos(seconds.movePointRight(9).setScale(0, RoundingMode.DOWN).longValueExact());
    }

    /** The exact seconds a duration string stands for; throws when it is not one. */
    private static BigDecimal seconds(String text) {
        String v = text.trim();
        if (v.startsWith("P") || v.startsWith("p")) {
            return seconds(Duration.parse(v));
        }
        for (Map.Entry<String, BigDecimal> unit : UNITS) {
            if (v.endsWith(unit.getKey())) {
                String number = v.substring(0, v.length() - unit.getKey().length()).trim();
                return new BigDecimal(new BigInteger(number)).multiply(unit.getValue());
            }
        }
        return new BigDecimal(v);
    }

    private static BigDecimal seconds(Duration d) {
        return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
    }

    /** {@code 1ms}, {@code 60s}, {@code 1 day}: a limit as messages show it. */
    private static String human(Duration d) {
        if (d.equals(Duration.ofDays(1))) {
            return "1 day";
        }
        return d.toMillis() < 1000 || d.toMillis() % 1000 != 0 ? d.toMillis() + "ms" : d.toSeconds() + "s";
    }

    /** A value as JSON writes it, control characters escaped, long ones cut. */
    private static String quoted(String value) {
        String shown = value.length() <= 60 ? value : value.substring(0, 60) + "...";
        return JsonNodeFactory.instance.textNode(shown).toString();
    }

    /** One of {@code choices}, by the key the user writes in any case; {@code fallback} when absent. */
    <T> T oneOf(Map<String, T> choices, T fallback) throws ConfigException {
        if (!present()) {
            return fallback;
        }
        String v = string();
        for (Map.Entry<String, T> c : choices.entrySet()) {
            if (c.getKey().equalsIgnoreCase(v)) {
                return c.getValue();
            }
        }
        List<String> names = List.copyOf(choices.keySet());
        String expected = names.size() == 2 ? names.get(0) + " or " + names.get(1) + ", got"
                : "one of " + String.join(", ", names) + "; got";
        throw error("expected " + expected + " \"" + v + "\"");
    }

    List<Node> list() throws ConfigException {
        if (!present()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw error(style == Style.JSON ? "expected an array" : "expected a list");
        }
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(index(i));
        }
        return out;
    }

    List<String> strings() throws ConfigException {
        if (present() && !node.isArray()) {
            throw error(style == Style.JSON ? "expected an array of strings" : "expected a list");
        }
        List<String> out = new ArrayList<>();
        for (Node item : list()) {
            out.add(item.string());
        }
        return List.copyOf(out);
    }

    /** The fields of an object, in file order. */
    List<Map.Entry<String, Node>> entries() throws ConfigException {
        if (!present()) {
            return List.of();
        }
        if (!node.isObject()) {
            throw error(style == Style.JSON ? "expected an object of strings" : "expected an object");
        }
        List<Map.Entry<String, Node>> out = new ArrayList<>();
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            out.add(Map.entry(n, key(n)));
        }
        return out;
    }

    /** An object of scalars (numbers and booleans read as their text), in file order. */
    Map<String, String> scalars() throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : entries()) {
            Node v = e.getValue();
            if (!v.present() || !v.node.isValueNode()) {
                throw v.error("expected a string");
            }
            out.put(e.getKey(), v.substitute(v.node.asText()));
        }
        return out;
    }

    /** Substitution of a value read some other way (a number's text, a JSON document). */
    String substitute(String value) throws ConfigException {
        try {
            return substitution.apply(value);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }
}
