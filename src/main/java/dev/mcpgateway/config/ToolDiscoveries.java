package dev.mcpgateway.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a route's {@code toolDiscovery} ({@code list} or {@code search}) in both config formats. */
public final class ToolDiscoveries {

    private static final Map<String, ToolDiscovery> CHOICES = new LinkedHashMap<>();

    static {
        CHOICES.put("list", ToolDiscovery.LIST);
        CHOICES.put("search", ToolDiscovery.SEARCH);
    }

    private ToolDiscoveries() {
    }

    /** The value of the field, {@link ToolDiscovery#LIST} when absent. */
    public static ToolDiscovery parse(Node field) throws ConfigException {
        return field.oneOf(CHOICES, ToolDiscovery.LIST);
    }
}
