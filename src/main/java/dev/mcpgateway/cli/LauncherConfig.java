package dev.mcpgateway.cli;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The gateway's settings as the launcher can see them before Quarkus starts: system properties,
 * environment variables ({@code MCP_GATEWAY_...}), {@code config/application.properties} in the
 * working directory, {@code .env}, and {@code application.properties} on the class path, with the
 * active profile ({@code quarkus.profile}, else the launch mode's: {@code prod} for a packaged
 * application). Enough for checks that must stop a start early; Quarkus validates the same
 * settings again when it builds its own configuration.
 */
final class LauncherConfig {

    private LauncherConfig() {
    }

    static Config read() throws IOException {
        String profile = Optional.ofNullable(System.getProperty("quarkus.profile"))
                .or(() -> Optional.ofNullable(System.getenv("QUARKUS_PROFILE")))
                .orElseGet(() -> LaunchMode.current().getDefaultProfile());
        List<ConfigSource> sources = new ArrayList<>();
        // The ordinals Quarkus gives these files, below the environment (300) and system properties (400).
        Path local = Path.of("config", "application.properties");
        if (Files.isRegularFile(local)) {
            sources.add(new PropertiesConfigSource(local.toUri().toURL(), 260));
        }
        URL packaged = Thread.currentThread().getContextClassLoader().getResource("application.properties");
        if (packaged != null) {
            sources.add(new PropertiesConfigSource(packaged, 250));
        }
        return new SmallRyeConfigBuilder().withProfile(profile).addDefaultInterceptors().addSystemSources()
                .withSources(sources).build();
    }
}
