package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** What every {@link GrantStore} does. Lifespans pass in real time (short ones). */
abstract class GrantStoreContract {

    protected abstract GrantStore store();

    static String newKey() {
        return "grant:" + UUID.randomUUID();
    }

    @Test
    void aValueIsReadBackReplacedAndRemoved() {
        GrantStore store = store();
        String key = newKey();
        assertThat(result(store.get(key))).isNull();
        result(store.put(key, "sealed-1", null));
        assertThat(result(store.get(key))).isEqualTo("sealed-1");
        result(store.put(key, "sealed-2", null));
        assertThat(result(store.get(key))).isEqualTo("sealed-2");
        assertThat(result(store.remove(key))).as("remove answers what was there").isEqualTo("sealed-2");
        assertThat(result(store.get(key))).isNull();
        assertThat(result(store.remove(key))).as("a second take finds nothing").isNull();
    }

    @Test
    void putIfAbsentKeepsOnlyTheFirst() {
        GrantStore store = store();
        String key = newKey();
        assertThat(result(store.putIfAbsent(key, "first", Duration.ofMinutes(1)))).isTrue();
        assertThat(result(store.putIfAbsent(key, "second", Duration.ofMinutes(1)))).isFalse();
        assertThat(result(store.get(key))).isEqualTo("first");
    }

    @Test
    void anEntryLapsesAtItsLifespan() throws InterruptedException {
        GrantStore store = store();
        String key = newKey();
        result(store.put(key, "short", Duration.ofMillis(300)));
        assertThat(result(store.get(key))).isEqualTo("short");
        // A lifespan passes by the clock; there is nothing to poll for.
        Thread.sleep(600);
        assertThat(result(store.get(key))).isNull();
        assertThat(result(store.putIfAbsent(key, "again", Duration.ofMinutes(1)))).as("a lapsed entry is absent").isTrue();
    }
}
