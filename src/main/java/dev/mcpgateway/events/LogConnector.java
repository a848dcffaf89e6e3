package dev.mcpgateway.events;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.connector.OutboundConnector;

/**
 * The {@code log} sink: each event becomes an INFO record of the category
 * {@code dev.mcpgateway.events}, its JSON as the message. Records are written on a thread of their
 * own with at most {@value #IN_FLIGHT} events handed over at a time, so a slow console fills the
 * event buffer (and drops are counted) instead of holding up the data path.
 */
@ApplicationScoped
@Connector(LogConnector.NAME)
public class LogConnector implements OutboundConnector {

    /** The connector name {@code mcp-gateway.events.sink=log} selects. */
    public static final String NAME = "mcp-gateway-log";
    static final int IN_FLIGHT = 256;
    private static final Logger EVENTS = Logger.getLogger("dev.mcpgateway.events");

    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "event-log-writer");
        t.setDaemon(true);
        return t;
    });

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        return new Flow.Subscriber<Message<?>>() {
            private Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(IN_FLIGHT);
            }

            @Override
            public void onNext(Message<?> m) {
                writer.execute(() -> {
                    EVENTS.info(m.getPayload());
                    m.ack();
                    subscription.request(1);
                });
            }

            @Override
            public void onError(Throwable t) {
                EVENTS.errorf(t, "The event stream failed");
            }

            @Override
            public void onComplete() {
            }
        };
    }

    @PreDestroy
    void close() {
        writer.shutdown();
    }
}
