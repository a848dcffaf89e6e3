package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.vertx.core.Future;

/** What every {@link RateLimitStore} does. Lifespans pass in real time (short ones). */
abstract class RateLimitStoreContract {

    protected abstract RateLimitStore store();

    static String newKey() {
        return "route\nrule\n" + UUID.randomUUID() + "\n1";
    }

    @Test
    void reservationsAreGrantedUpToTheLimitAndNoFurther() {
        RateLimitStore store = store();
        String key = newKey();
        assertThat(result(store.reserve(key, 3, 10, Duration.ofMinutes(1)))).isEqualTo(new RateLimitStore.Grant(3, 3));
        assertThat(result(store.reserve(key, 5, 10, Duration.ofMinutes(1)))).isEqualTo(new RateLimitStore.Grant(5, 8));
        assertThat(result(store.reserve(key, 5, 10, Duration.ofMinutes(1)))).as("only what is left")
                .isEqualTo(new RateLimitStore.Grant(2, 10));
        assertThat(result(store.reserve(key, 1, 10, Duration.ofMinutes(1)))).isEqualTo(new RateLimitStore.Grant(0, 10));
        assertThat(result(store.reserve(newKey(), 1, 10, Duration.ofMinutes(1)))).as("another counter")
                .isEqualTo(new RateLimitStore.Grant(1, 1));
    }

    @Test
    void concurrentReservationsNeverExceedTheLimitTogether() {
        RateLimitStore store = store();
        String key = newKey();
        List<Future<RateLimitStore.Grant>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(store.reserve(key, 1 + i % 3, 25, Duration.ofMinutes(1)));
        }
        long granted = 0;
        for (Future<RateLimitStore.Grant> f : all) {
            granted += result(f).granted();
        }
        assertThat(granted).isEqualTo(25);
        assertThat(result(store.reserve(key, 1, 25, Duration.ofMinutes(1))).count()).isEqualTo(25);
    }

    @Test
    void aCounterLapsesAtTheEndOfItsLifespan() throws InterruptedException {
        RateLimitStore store = store();
        String key = newKey();
        assertThat(result(store.reserve(key, 2, 2, Duration.ofMillis(1500))).granted()).isEqualTo(2);
        assertThat(result(store.reserve(key, 1, 2, Duration.ofMillis(1500))).granted()).isZero();
        Thread.sleep(2100);
        assertThat(result(store.reserve(key, 1, 2, Duration.ofMinutes(1)))).as("a new counter")
                .isEqualTo(new RateLimitStore.Grant(1, 1));
    }

    @Test
    void aReplicaCountsItselfWhenItAnnounces() {
        RateLimitStore store = store();
        assertThat(result(store.announce(UUID.randomUUID().toString(), Duration.ofSeconds(30)))).isGreaterThanOrEqualTo(1);
    }
}
