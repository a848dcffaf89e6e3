package dev.mcpgateway.events;

import java.util.Locale;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * Turns {@code mcp-gateway.events.sink} into the connector of the events channel
 * ({@code mp.messaging.outgoing.mcp-gateway-events.connector}): {@code none} and {@code log} pick the
 * gateway's own connectors, {@code kafka} picks {@code smallrye-kafka}. A connector set explicitly
 * on the channel wins. Registered in {@code META-INF/services}.
 */
public class SinkConnector implements ConfigSourceInterceptor {

    static final String CONNECTOR = "mp.messaging.outgoing." + EventQueue.CHANNEL + ".connector";
    static final String SINK = "mcp-gateway.events.sink";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value != null || !CONNECTOR.equals(name)) {
            return value;
        }
        ConfigValue sink = context.proceed(SINK);
        String connector = connector(sink == null || sink.getValue() == null ? "none" : sink.getValue());
        return ConfigValue.builder().withName(name).withValue(connector).withRawValue(connector)
                .withConfigSourceName("mcp-gateway.events.sink").build();
    }

    /** The connector of a sink setting; an unknown one is left for the settings' validation to refuse. */
    static String connector(String sink) {
        return switch (sink.trim().toLowerCase(Locale.ROOT)) {
            case "log" -> LogConnector.NAME;
            case "kafka" -> "smallrye-kafka";
            default -> DiscardConnector.NAME;
        };
    }
}
