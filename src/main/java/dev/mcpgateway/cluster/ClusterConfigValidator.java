package dev.mcpgateway.cluster;

import java.util.List;

import dev.mcpgateway.config.GatewayConfig;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.ConfigValidator;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;

/**
 * Makes {@link StartupChecks} part of validating the runtime configuration, so Quarkus refuses to
 * start (as for any invalid setting) before a single bean exists: the Infinispan client connects
 * as soon as it is created, which happens while the application initialises, before
 * {@code StartupEvent}. Registered in {@code META-INF/services}; any validator set before (e.g.
 * Hibernate Validator's) still runs first.
 */
public final class ClusterConfigValidator implements SmallRyeConfigBuilderCustomizer {

    @Override
    public void configBuilder(SmallRyeConfigBuilder builder) {
        ConfigValidator previous = builder.getValidator();
        builder.withValidator((mappingClass, prefix, mapping) -> {
            previous.validateMapping(mappingClass, prefix, mapping);
            if (mapping instanceof GatewayConfig config) {
                List<String> problems = StartupChecks.problems(config.store(), config.signingKey());
                if (!problems.isEmpty()) {
                    throw new ConfigValidationException(problems.stream()
                            .map(ConfigValidationException.Problem::new)
                            .toArray(ConfigValidationException.Problem[]::new));
                }
            }
        });
    }

    /** After the customizers that set a validator of their own, which this one wraps. */
    @Override
    public int priority() {
        return Integer.MAX_VALUE;
    }
}
