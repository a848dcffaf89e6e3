package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** What every {@link Leases} does. Lease and heartbeat times pass in real time (short ones). */
abstract class LeasesContract {

    static final Duration TTL = Duration.ofMillis(1500);

    protected abstract Leases leases();

    static String newKey() {
        return "pump:" + UUID.randomUUID();
    }

    static String newReplica() {
        return "replica-" + UUID.randomUUID();
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
        assertThat(result(leases.acquire(key, "replica-a", TTL))).isEqualTo("replica-a");
        assertThat(result(leases.acquire(key, "replica-b", TTL))).as("the holder is named").isEqualTo("replica-a");
        assertThat(result(leases.acquire(key, "replica-a", TTL))).as("renewal").isEqualTo("replica-a");
        assertThat(result(leases.acquire(newKey(), "replica-b", TTL))).as("another key").isEqualTo("replica-b");
    }

    @Test
    void renewingKeepsTheLeaseAndLapsingFreesIt() {
        Leases leases = leases();
        String key = newKey();
        assertThat(result(leases.acquire(key, "replica-a", TTL))).isEqualTo("replica-a");
        sleep(TTL.dividedBy(2));
        assertThat(result(leases.acquire(key, "replica-a", TTL))).isEqualTo("replica-a");
        sleep(TTL.dividedBy(2).plusMillis(TTL.toMillis() / 4));
        assertThat(result(leases.acquire(key, "replica-b", TTL))).as("renewed, so still held").isEqualTo("replica-a");
        sleep(TTL.plusMillis(TTL.toMillis() / 2));
        assertThat(result(leases.acquire(key, "replica-b", TTL))).as("lapsed").isEqualTo("replica-b");
        assertThat(result(leases.acquire(key, "replica-a", TTL))).isEqualTo("replica-b");
    }

    @Test
    void onlyTheHolderReleases() {
        Leases leases = leases();
        String key = newKey();
        result(leases.acquire(key, "replica-a", TTL));
        result(leases.release(key, "replica-b"));
        assertThat(result(leases.acquire(key, "replica-b", TTL))).isEqualTo("replica-a");
        result(leases.release(key, "replica-a"));
        assertThat(result(leases.acquire(key, "replica-b", TTL))).isEqualTo("replica-b");
        result(leases.release(newKey(), "replica-a"));
    }

    @Test
    void aLeaseIsTakenOverOnlyFromTheReplicaThatHoldsIt() {
        Leases leases = leases();
        String key = newKey();
        Duration minute = Duration.ofMinutes(1);
        result(leases.acquire(key, "replica-a", minute));
        assertThat(result(leases.takeOver(key, "replica-b", "replica-c", minute))).as("c does not hold it").isFalse();
        assertThat(result(leases.acquire(key, "replica-b", minute))).isEqualTo("replica-a");
        assertThat(result(leases.takeOver(key, "replica-b", "replica-a", minute))).as("long before it lapses").isTrue();
        assertThat(result(leases.acquire(key, "replica-a", minute))).as("the former holder learns it lost the lease")
                .isEqualTo("replica-b");
        assertThat(result(leases.takeOver(key, "replica-c", "replica-a", minute)))
                .as("a second replica that found it dead: too late").isFalse();
        assertThat(result(leases.acquire(key, "replica-b", minute))).as("renewed by its new holder").isEqualTo("replica-b");
        assertThat(result(leases.takeOver(newKey(), "replica-c", "replica-a", minute))).as("a free lease is simply taken")
                .isTrue();
    }

    @Test
    void aReplicaIsAliveWhileItsHeartbeatLasts() {
        Leases leases = leases();
        String a = newReplica();
        String b = newReplica();
        Duration beat = Duration.ofMillis(800);
        assertThat(result(leases.alive(List.of(a, b)))).isEmpty();
        result(leases.heartbeat(a, beat));
        assertThat(result(leases.alive(List.of(a, b)))).containsExactly(a);
        for (int i = 0; i < 4; i++) {
            sleep(beat.dividedBy(2));
            result(leases.heartbeat(a, beat));
        }
        assertThat(result(leases.alive(List.of(a)))).as("renewed for longer than one heartbeat lasts").containsExactly(a);
        sleep(beat.plusMillis(beat.toMillis() / 2));
        assertThat(result(leases.alive(List.of(a, b)))).as("no heartbeat for longer than it lasts").isEmpty();
        assertThat(result(leases.alive(List.of()))).isEmpty();
    }
}
