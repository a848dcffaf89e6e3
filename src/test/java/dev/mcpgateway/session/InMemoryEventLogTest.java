package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The event log contract on the in-memory log, with a test clock. */
class InMemoryEventLogTest extends EventLogContract {

    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Override
    protected EventLog log(int maxEvents) {
        return new InMemoryEventLog(maxEvents, idle().toMillis(), clock::get);
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
    protected void expireIdleStreams(EventLog log) {
        ((InMemoryEventLog) log).sweep();
    }
}
