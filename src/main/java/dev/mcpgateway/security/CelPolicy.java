package dev.mcpgateway.security;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.mcpgateway.config.CelConditions;

/**
 * Runs the CEL conditions of authorization rules: expressions compiled by {@link CelConditions},
 * which defines the variables they see, evaluated over the {@linkplain #variables variables of a
 * request}.
 */
public final class CelPolicy {

    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(CelConditions.OPTIONS)
            .build();
    private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

    private CelPolicy() {
    }

    /** Compiles an expression ({@link CelConditions#compile}); the exception's message says what is wrong and where. */
    public static void check(String expression) throws IllegalArgumentException {
        program(expression);
    }

    private static CelRuntime.Program program(String expression) {
        CelRuntime.Program p = PROGRAMS.get(expression);
        if (p != null) {
            return p;
        }
        try {
            p = RUNTIME.createProgram(CelConditions.compile(expression));
        } catch (CelEvaluationException e) {
            throw new IllegalArgumentException("invalid CEL expression: " + e.getMessage());
        }
        PROGRAMS.put(expression, p);
        return p;
    }

    /** Evaluates an expression over the request; true only for a boolean true. */
    public static boolean test(String expression, Map<String, Object> variables) throws CelEvaluationException {
        return Boolean.TRUE.equals(program(expression).eval(variables));
    }

    /** The variables of a request. */
    static Map<String, Object> variables(String method, String kind, String backend, String name, JsonNode arguments,
            Principal principal, io.vertx.core.MultiMap headers) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("method", method == null ? "" : method);
        vars.put("kind", kind);
        vars.put("backend", backend);
        vars.put("name", name);
        vars.put("tool", name);
        vars.put("principal", principal.name());
        vars.put("arguments", arguments != null && arguments.isObject() ? value(arguments) : Map.of());
        vars.put("claims", principal.claims() != null && principal.claims().isObject() ? value(principal.claims()) : Map.of());
        vars.put("scopes", List.copyOf(principal.scopes()));
        Map<String, String> h = new HashMap<>();
        if (headers != null) {
            for (Map.Entry<String, String> e : headers) {
                h.putIfAbsent(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue());
            }
        }
        vars.put("headers", h);
        return vars;
    }

    /** JSON as CEL values: integers as long, other numbers as double, null as CEL null. */
    static Object value(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return dev.cel.common.values.NullValue.NULL_VALUE;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), value(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(value(x)));
            return l;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        return n.asText();
    }
}
