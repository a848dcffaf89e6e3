package dev.mcpgateway.config;

import java.util.List;
import java.util.function.Consumer;

/** The routes in force, for what only needs their configuration (discovery documents, checks). */
public interface RouteSource {

    /** Every route's configuration now. */
    List<RouteConfig> routeConfigs();

    /** Called with every route's configuration after each change a reload installs. */
    void onRoutesChanged(Consumer<List<RouteConfig>> listener);
}
