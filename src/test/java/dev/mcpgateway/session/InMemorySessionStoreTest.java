package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The session store contract on the in-memory store, with a test clock. */
class InMemorySessionStoreTest extends SessionStoreContract {

    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Override
    protected SessionStore store() {
        return new InMemorySessionStore(idle(), clock::get);
    }

    @Override
    protected Duration idle() {
        return Duration.ofMinutes(30);
    }

    @Override
    protected void pass(Duration time) {
        clock.addAndGet(time.toMillis());
    }

    @Override
    protected void expireIdleSessions(SessionStore store) {
        ((InMemorySessionStore) store).sweep();
    }
}
