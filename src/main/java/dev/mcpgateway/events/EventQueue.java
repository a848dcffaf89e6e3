package dev.mcpgateway.events;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

import dev.mcpgateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The bounded buffer between the data path and the sink: {@link #offer} never waits; what does not
 * fit is dropped and counted. The buffer is the source of the Reactive Messaging channel
 * {@value #CHANNEL}, drained as fast as the sink's connector asks for messages (the Kafka
 * connector asks for at most {@code max-inflight-messages} not yet acknowledged).
 */
@ApplicationScoped
public class EventQueue implements Flow.Publisher<Message<String>> {

    /** The channel events go out on; its connector follows {@code mcp-gateway.events.sink}. */
    public static final String CHANNEL = "mcp-gateway-events";

    private static final Logger LOG = Logger.getLogger(EventQueue.class);

    private final ArrayBlockingQueue<Message<String>> queue;
    private final boolean keyed;
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger draining = new AtomicInteger();
    private volatile Flow.Subscriber<? super Message<String>> subscriber;
    private volatile boolean cancelled;

    private final Counter published;
    private final Counter droppedFull;
    private final Counter droppedFailed;
    /** Events handed to the sink. */
    private final AtomicLong handed = new AtomicLong();
    /** Since when events have been waiting for the sink's acknowledgement without progress. */
    private volatile long waitingSince;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile long lastDeliveredMillis;
    private volatile long lastFailedMillis;
    private volatile String lastFailure;

    @Inject
    public EventQueue(GatewayConfig config, MeterRegistry meters) {
        GatewayConfig.Events events = config.events();
        this.queue = new ArrayBlockingQueue<>(Math.max(1, events.bufferSize()));
        this.keyed = events.sink() == GatewayConfig.EventSink.KAFKA;
        this.published = Counter.builder("mcp.gateway.eventstream.published")
                .description("Gateway events the sink acknowledged").register(meters);
        this.droppedFull = Counter.builder("mcp.gateway.eventstream.dropped").tag("reason", "buffer_full")
                .description("Gateway events dropped: the buffer was full, or the sink failed to deliver them")
                .register(meters);
        this.droppedFailed = Counter.builder("mcp.gateway.eventstream.dropped").tag("reason", "sink_failed")
                .description("Gateway events dropped: the buffer was full, or the sink failed to deliver them")
                .register(meters);
        Gauge.builder("mcp.gateway.eventstream.queued", queue, ArrayBlockingQueue::size)
                .description("Gateway events waiting for the sink").register(meters);
    }

    /** The source of the channel. */
    @Outgoing(CHANNEL)
    public Flow.Publisher<Message<String>> events() {
        return this;
    }

    /** Queues one event (keyed by {@code key} on Kafka); false when it was dropped. Never blocks. */
    boolean offer(String key, String json) {
        Metadata metadata = keyed && key != null
                ? Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build())
                : Metadata.empty();
        Message<String> m = Message.of(json, metadata, this::acked, this::nacked);
        if (!queue.offer(m)) {
            droppedFull.increment();
            return false;
        }
        drain();
        return true;
    }

    private CompletionStage<Void> acked() {
        published.increment();
        delivered.incrementAndGet();
        lastDeliveredMillis = System.currentTimeMillis();
        waitingSince = lastDeliveredMillis;
        return CompletableFuture.completedFuture(null);
    }

    private CompletionStage<Void> nacked(Throwable reason) {
        droppedFailed.increment();
        failed.incrementAndGet();
        lastFailedMillis = System.currentTimeMillis();
        waitingSince = lastFailedMillis;
        lastFailure = reason == null ? "unknown" : reason.getClass().getSimpleName() + ": " + reason.getMessage();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Message<String>> s) {
        if (subscriber != null) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            s.onError(new IllegalStateException("The event channel has one subscriber"));
            return;
        }
        subscriber = s;
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    return;
                }
                requested.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                drain();
            }

            @Override
            public void cancel() {
                // The connector cancels when the application stops; the health check says so otherwise.
                cancelled = true;
                LOG.debug("The event sink stopped taking events; new events are dropped and counted");
            }
        });
        drain();
    }

    /** Hands queued events to the sink while it asks for more; one thread at a time drains. */
    private void drain() {
        if (draining.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Flow.Subscriber<? super Message<String>> s = subscriber;
            if (s != null && !cancelled) {
                long r = requested.get();
                long sent = 0;
                while (sent < r && !cancelled) {
                    Message<String> m = queue.poll();
                    if (m == null) {
                        break;
                    }
                    if (inFlight() == 0) {
                        waitingSince = System.currentTimeMillis();
                    }
                    handed.incrementAndGet();
                    s.onNext(m);
                    sent++;
                }
                if (sent > 0 && r != Long.MAX_VALUE) {
                    requested.addAndGet(-sent);
                }
            }
            missed = draining.addAndGet(-missed);
        } while (missed != 0);
    }

    private long inFlight() {
        return handed.get() - delivered.get() - failed.get();
    }

    /** What the health check reports. */
    record State(String state, int queued, int capacity, long inFlight, long delivered, long failed, double droppedFull,
            String lastFailure) {
    }

    /** Events handed to the sink and neither acknowledged nor refused for this long: the sink is stuck. */
    static final long STUCK_MILLIS = 5000;

    State state() {
        String state;
        if (subscriber == null) {
            state = "not-connected";
        } else if (cancelled) {
            state = "stopped";
        } else if (lastFailedMillis > lastDeliveredMillis) {
            state = "failing";
        } else if (queue.remainingCapacity() == 0) {
            state = "full";
        } else if (inFlight() > 0 && System.currentTimeMillis() - waitingSince > STUCK_MILLIS) {
            state = "waiting";
        } else {
            state = delivered.get() == 0 ? "idle" : "delivering";
        }
        return new State(state, queue.size(), queue.size() + queue.remainingCapacity(), Math.max(0, inFlight()),
                delivered.get(), failed.get(), droppedFull.count(), lastFailure);
    }
}
