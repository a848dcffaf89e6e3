package dev.mcpgateway.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;

/** Reads a configuration file in either format, chosen by its extension. */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    /** {@code .yaml} and {@code .yml}: MCPRoute documents; anything else: mcp-servers.json. */
    public static GatewayModel load(Path file) throws ConfigException {
        return load(file, System::getenv);
    }

    public static GatewayModel load(Path file, Function<String, String> env) throws ConfigException {
        return isYaml(file) ? McpRouteParser.parse(file, env) : McpServersParser.parse(file, env);
    }

    public static boolean isYaml(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /** The file's text; a missing or unreadable file is a {@link ConfigException} naming it. */
    static String read(Path path) throws ConfigException {
        try {
            return java.nio.file.Files.readString(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(path + ": file not found");
        } catch (java.io.IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
    }
}
