package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** What every {@link ResultStore} does. Lifespans pass in real time (short ones). */
abstract class ResultStoreContract {

    protected abstract ResultStore store();

    static String newKey() {
        return "result:" + UUID.randomUUID();
    }

    @Test
    void anEntryIsReadBackWithItsRemainingLife() {
        ResultStore store = store();
        String key = newKey();
        assertThat(result(store.get(key))).isNull();
        long before = System.currentTimeMillis();
        result(store.put(key, "b", "{\"content\":[{\"type\":\"text\",\"text\":\"ü\"}]}", Duration.ofMinutes(1)));
        ResultStore.Entry e = result(store.get(key));
        assertThat(e.value()).isEqualTo("{\"content\":[{\"type\":\"text\",\"text\":\"ü\"}]}");
        assertThat(e.remainingMillis(System.currentTimeMillis())).isBetween(1L, 60_000L);
        assertThat(e.expiresAt()).isBetween(before + 60_000, System.currentTimeMillis() + 60_000);
        result(store.put(key, "b", "second", Duration.ofMinutes(1)));
        assertThat(result(store.get(key)).value()).as("replaced").isEqualTo("second");
    }

    @Test
    void anEntryLapsesAtItsTtl() throws InterruptedException {
        ResultStore store = store();
        String key = newKey();
        result(store.put(key, "b", "short", Duration.ofMillis(300)));
        assertThat(result(store.get(key))).isNotNull();
        // A lifespan passes by the clock; there is nothing to poll for.
        Thread.sleep(450);
        assertThat(result(store.get(key))).isNull();
    }
}
