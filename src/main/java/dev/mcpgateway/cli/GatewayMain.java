package dev.mcpgateway.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.mcpgateway.cluster.StartupChecks;
import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.ConfigFiles;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * {@code run --mcp-config FILE [--port N] [--host ADDR]} or {@code run ROUTES.yaml}. Validates the
 * configuration before the HTTP server starts, so a bad file (or a cluster replica without its
 * signing key) exits with 1 without ever listening or connecting.
 */
@QuarkusMain
public final class GatewayMain {

    static final String USAGE = """
            Usage: mcp-gateway run --mcp-config FILE [--port N] [--host ADDR]
                   mcp-gateway run ROUTES.yaml [--port N] [--host ADDR]
              --mcp-config FILE  mcp-servers.json, or MCPRoute YAML (.yaml, .yml), listing the upstream MCP servers
              --port N           port to listen on (default 1975, or QUARKUS_HTTP_PORT)
              --host ADDR        address to bind (default 127.0.0.1)
            The MCP endpoint is http://ADDR:N/mcp (an MCPRoute's spec.path sets its own)""";

    private GatewayMain() {
    }

    public static void main(String... args) {
        int code = prepare(args, System.out, System.err);
        if (code >= 0) {
            System.exit(code);
        }
        Quarkus.run(args);
    }

    /** Parsed command line. */
    record Options(String configFile, Integer port, String host) {
    }

    /**
     * Applies the command line as system properties. Answers -1 to go on and start, or the exit
     * code to stop with.
     */
    static int prepare(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            // quarkus dev, tests and containers start without a command; configuration comes from properties.
            return checkSettings(err);
        }
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("mcp-gateway: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options == null) {
            out.println(USAGE);
            return 0;
        }
        Path file = Path.of(options.configFile()).toAbsolutePath().normalize();
        try {
            ConfigFiles.load(file);
        } catch (ConfigException e) {
            err.println("mcp-gateway: invalid configuration: " + e.getMessage());
            return 1;
        }
        int settings = checkSettings(err);
        if (settings >= 0) {
            return settings;
        }
        System.setProperty("mcp-gateway.config-file", file.toString());
        if (options.port() != null) {
            System.setProperty("quarkus.http.port", options.port().toString());
        }
        if (options.host() != null) {
            System.setProperty("quarkus.http.host", options.host());
        }
        return -1;
    }

    /**
     * Settings without which this process must not start, checked before anything connects (a
     * replica of a cluster without the shared signing key). Answers -1 to go on, or 1.
     */
    static int checkSettings(PrintStream err) {
        List<String> problems;
        try {
            problems = StartupChecks.problems(LauncherConfig.read());
        } catch (IOException | RuntimeException e) {
            err.println("mcp-gateway: invalid configuration: cannot read the settings: " + e.getMessage());
            return 1;
        }
        for (String p : problems) {
            err.println("mcp-gateway: invalid configuration: " + p);
        }
        return problems.isEmpty() ? -1 : 1;
    }

    /** Null for --help. */
    static Options parse(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        if (rest.contains("--help") || rest.contains("-h") || rest.get(0).equals("help")) {
            return null;
        }
        if (!rest.get(0).equals("run")) {
            throw new IllegalArgumentException("unknown command \"" + rest.get(0) + "\"");
        }
        rest.remove(0);
        String config = null;
        Integer port = null;
        String host = null;
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--mcp-config", "--config", "-c" -> config = value != null ? value : next(rest, ++i, a);
                case "--port", "-p" -> {
                    String v = value != null ? value : next(rest, ++i, a);
                    try {
                        port = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port: expected a number, got \"" + v + "\"");
                    }
                    if (port < 0 || port > 65535) {
                        throw new IllegalArgumentException("--port: expected 0-65535, got " + port);
                    }
                }
                case "--host" -> host = value != null ? value : next(rest, ++i, a);
                default -> {
                    if (a.startsWith("-") || config != null) {
                        throw new IllegalArgumentException("unexpected argument \"" + a + "\"");
                    }
                    config = a;
                }
            }
        }
        if (config == null) {
            throw new IllegalArgumentException("run needs --mcp-config FILE");
        }
        return new Options(config, port, host);
    }

    private static String next(List<String> args, int i, String flag) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args.get(i);
    }
}
