package dev.mcpgateway.events;

import java.util.concurrent.Flow;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

import io.smallrye.reactive.messaging.connector.OutboundConnector;

/**
 * The {@code none} sink: the channel exists but nothing is ever emitted on it
 * ({@link GatewayEvents} returns at once), and nothing connects anywhere.
 */
@ApplicationScoped
@Connector(DiscardConnector.NAME)
public class DiscardConnector implements OutboundConnector {

    /** The connector name {@code mcp-gateway.events.sink=none} selects. */
    public static final String NAME = "mcp-gateway-none";

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        return new Flow.Subscriber<Message<?>>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Message<?> m) {
                m.ack();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        };
    }
}
