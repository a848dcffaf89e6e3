package dev.mcpgateway.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/** The stdio processes one replica may run at once, shared by every stdio backend. */
public final class ProcessBudget {

    private final int max;
    private final AtomicInteger running = new AtomicInteger();

    public ProcessBudget(int max) {
        this.max = max;
    }

    /** Takes one slot; false when every slot is taken. */
    public boolean tryAcquire() {
        while (true) {
            int now = running.get();
            if (now >= max) {
                return false;
            }
            if (running.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    public void release() {
        running.decrementAndGet();
    }

    public int running() {
        return running.get();
    }

    public int max() {
        return max;
    }
}
