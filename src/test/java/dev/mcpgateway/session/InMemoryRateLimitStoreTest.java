package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class InMemoryRateLimitStoreTest extends RateLimitStoreContract {

    @Override
    protected RateLimitStore store() {
        return new InMemoryRateLimitStore(System::currentTimeMillis);
    }

    @Test
    void lapsedCountersAreSweptAsTheMapGrows() {
        AtomicLong now = new AtomicLong(1_000);
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(now::get);
        for (int i = 0; i < 4000; i++) {
            result(store.reserve("k" + i, 1, 1, Duration.ofSeconds(1)));
        }
        now.addAndGet(2_000);
        for (int i = 0; i < 200; i++) {
            result(store.reserve("n" + i, 1, 1, Duration.ofSeconds(1)));
        }
        assertThat(store.size()).isLessThan(300);
        assertThat(store.shared()).isFalse();
    }
}
