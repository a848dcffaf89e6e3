package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class InMemoryResultStoreTest extends ResultStoreContract {

    @Override
    protected ResultStore store() {
        return new InMemoryResultStore(100, 1_000_000, System::currentTimeMillis);
    }

    @Test
    void theLeastRecentlyUsedEntryMakesRoomAndIsReported() {
        InMemoryResultStore store = new InMemoryResultStore(2, 1_000_000, System::currentTimeMillis);
        List<String> evicted = new ArrayList<>();
        store.onEviction(evicted::add);
        result(store.put("a", "alpha", "1", Duration.ofMinutes(1)));
        result(store.put("b", "beta", "2", Duration.ofMinutes(1)));
        result(store.get("a"));
        result(store.put("c", "gamma", "3", Duration.ofMinutes(1)));
        assertThat(result(store.get("b"))).as("least recently used").isNull();
        assertThat(result(store.get("a"))).isNotNull();
        assertThat(evicted).containsExactly("beta");
    }

    @Test
    void theCharacterBudgetBoundsTheStoreAndLapsedEntriesGoFirst() {
        AtomicLong now = new AtomicLong(1_000);
        InMemoryResultStore store = new InMemoryResultStore(100, 10, now::get);
        List<String> evicted = new ArrayList<>();
        store.onEviction(evicted::add);
        result(store.put("big", "b", "x".repeat(11), Duration.ofMinutes(1)));
        assertThat(result(store.get("big"))).as("larger than the whole budget: not kept").isNull();
        result(store.put("old", "b", "x".repeat(4), Duration.ofMillis(10)));
        result(store.put("live", "b", "x".repeat(4), Duration.ofMinutes(1)));
        now.addAndGet(20);
        result(store.put("new", "b", "x".repeat(4), Duration.ofMinutes(1)));
        assertThat(evicted).as("the lapsed entry made room; nothing live was evicted").isEmpty();
        assertThat(result(store.get("live"))).isNotNull();
        result(store.put("more", "b", "x".repeat(4), Duration.ofMinutes(1)));
        assertThat(evicted).containsExactly("b");
        assertThat(store.size()).isEqualTo(2);
    }
}
