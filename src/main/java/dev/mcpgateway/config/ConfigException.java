package dev.mcpgateway.config;

/** A configuration file that cannot be used; the message names the file, the entry and the field. */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
