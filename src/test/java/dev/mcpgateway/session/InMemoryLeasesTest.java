package dev.mcpgateway.session;

/** The leases contract on the in-memory leases. */
class InMemoryLeasesTest extends LeasesContract {

    @Override
    protected Leases leases() {
        return new InMemoryLeases();
    }
}
