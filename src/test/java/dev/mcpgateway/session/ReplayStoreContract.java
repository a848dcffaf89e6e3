package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** What every {@link ReplayStore} does. */
abstract class ReplayStoreContract {

    protected abstract ReplayStore store();

    static String newKey() {
        return "dpop:" + UUID.randomUUID();
    }

    @Test
    void aValueIsNewOnceWithinItsWindow() {
        ReplayStore store = store();
        String key = newKey();
        assertThat(result(store.firstUse(key, Duration.ofMinutes(1)))).isTrue();
        assertThat(result(store.firstUse(key, Duration.ofMinutes(1)))).isFalse();
        assertThat(result(store.firstUse(key, Duration.ofMinutes(1)))).isFalse();
        assertThat(result(store.firstUse(newKey(), Duration.ofMinutes(1)))).isTrue();
    }

    @Test
    void aValueIsForgottenWhenItsWindowEnds() {
        ReplayStore store = store();
        String key = newKey();
        assertThat(result(store.firstUse(key, Duration.ofMillis(300)))).isTrue();
        // Its proof's iat is no longer accepted by then; the store need not remember it.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> result(store.firstUse(key, Duration.ofMillis(300))));
    }
}
