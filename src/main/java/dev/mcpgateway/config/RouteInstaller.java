package dev.mcpgateway.config;

/** Puts a whole configuration in force, as a reload does: for config sources other than the file. */
public interface RouteInstaller {

    /** Replaces every route with those of {@code model}; open sessions of changed routes are told. */
    void install(GatewayModel model);
}
