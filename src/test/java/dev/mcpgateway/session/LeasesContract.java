package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** What every {@link Leases} does. Lease times pass in real time (short ones). */
abstract class LeasesContract {

    static final Duration TTL = Duration.ofMillis(1500);

    protected abstract Leases leases();

    static String newKey() {
        return "pump:" + UUID.randomUUID();
    }

    static void sleep(Duration d) {
        try {
            // A lease lapses by the clock; there is nothing to poll for.
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFreeLeaseIsTakenAndThenHeldByItsOwnerOnly() {
        Leases leases = leases();
        String key = newKey();
        assertThat(result(leases.acquire(key, "replica-a", null, TTL))).isTrue();
        assertThat(result(leases.acquire(key, "replica-b", null, TTL))).isFalse();
        assertThat(result(leases.acquire(key, "replica-a", null, TTL))).as("renewal").isTrue();
        assertThat(result(leases.acquire(newKey(), "replica-b", null, TTL))).as("another key").isTrue();
    }

    @Test
    void renewingKeepsTheLeaseAndLapsingFreesIt() {
        Leases leases = leases();
        String key = newKey();
        assertThat(result(leases.acquire(key, "replica-a", null, TTL))).isTrue();
        sleep(TTL.dividedBy(2));
        assertThat(result(leases.acquire(key, "replica-a", null, TTL))).isTrue();
        sleep(TTL.dividedBy(2).plusMillis(TTL.toMillis() / 4));
        assertThat(result(leases.acquire(key, "replica-b", null, TTL))).as("renewed, so still held").isFalse();
        sleep(TTL.plusMillis(TTL.toMillis() / 2));
        assertThat(result(leases.acquire(key, "replica-b", null, TTL))).as("lapsed").isTrue();
        assertThat(result(leases.acquire(key, "replica-a", null, TTL))).isFalse();
    }

    @Test
    void theStateIsKeptByTheHolderAndOutlivesTheLease() {
        Leases leases = leases();
        String key = newKey();
        assertThat(result(leases.state(key))).isNull();
        result(leases.acquire(key, "replica-a", "{\"alpha\":\"ev-1\"}", TTL));
        assertThat(result(leases.state(key))).isEqualTo("{\"alpha\":\"ev-1\"}");
        result(leases.acquire(key, "replica-a", "{\"alpha\":\"ev-2\"}", TTL));
        result(leases.acquire(key, "replica-a", null, TTL));
        result(leases.acquire(key, "replica-b", "{\"alpha\":\"forged\"}", TTL));
        assertThat(result(leases.state(key))).as("a renewal without state, and a refused acquire, keep it")
                .isEqualTo("{\"alpha\":\"ev-2\"}");
        sleep(TTL.plusMillis(TTL.toMillis() / 2));
        assertThat(result(leases.state(key))).as("after the lease lapsed").isEqualTo("{\"alpha\":\"ev-2\"}");
        assertThat(result(leases.acquire(key, "replica-b", "{\"alpha\":\"ev-3\"}", TTL))).isTrue();
        assertThat(result(leases.state(key))).isEqualTo("{\"alpha\":\"ev-3\"}");
    }

    @Test
    void onlyTheHolderReleases() {
        Leases leases = leases();
        String key = newKey();
        result(leases.acquire(key, "replica-a", "s", TTL));
        result(leases.release(key, "replica-b"));
        assertThat(result(leases.acquire(key, "replica-b", null, TTL))).isFalse();
        result(leases.release(key, "replica-a"));
        assertThat(result(leases.acquire(key, "replica-b", null, TTL))).isTrue();
        result(leases.release(newKey(), "replica-a"));
    }
}
