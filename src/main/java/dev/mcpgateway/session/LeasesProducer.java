package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Chooses where leases live (see {@link Leases}). */
public class LeasesProducer {

    @Produces
    @ApplicationScoped
    Leases leases() {
        return new InMemoryLeases();
    }
}
