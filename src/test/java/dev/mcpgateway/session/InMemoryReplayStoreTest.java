package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The replay contract in memory, and its bound. */
class InMemoryReplayStoreTest extends ReplayStoreContract {

    @Override
    protected ReplayStore store() {
        return new InMemoryReplayStore(1000);
    }

    @Test
    void whenFullNewValuesAreRefusedUntilOldOnesExpire() {
        InMemoryReplayStore store = new InMemoryReplayStore(2);
        assertThat(result(store.firstUse("a", Duration.ofMillis(300)))).isTrue();
        assertThat(result(store.firstUse("b", Duration.ofMinutes(1)))).isTrue();
        assertThat(store.firstUse("c", Duration.ofMinutes(1)).failed()).isTrue();
        // A replay of a remembered value is still caught while full...
        assertThat(store.firstUse("b", Duration.ofMinutes(1)).failed()).isTrue();
        // ...and room comes back as values expire.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> store.firstUse("c", Duration.ofMinutes(1)).succeeded());
        assertThat(store.size()).isEqualTo(2);
    }
}
