package dev.mcpgateway.cluster;

import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.session.EventLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * This replica's identity and its inbox: letters other replicas hand over for something only this
 * replica holds (a stdio process, a legacy SSE connection, a parked request). A letter is an event
 * in the stream {@code inbox.<replica>} of the event log, so it reaches this replica wherever it was
 * written. Each letter has a kind; the owner of that kind registers its handler once.
 */
@Singleton
public class ReplicaInbox {

    private static final Logger LOG = Logger.getLogger(ReplicaInbox.class);
    private static final String INBOX = "inbox.";
    private static final String KIND = "kind";

    private final String replicaId = UUID.randomUUID().toString();
    private final EventLog log;
    private final Map<String, Consumer<JsonNode>> handlers = new ConcurrentHashMap<>();
    private final AutoCloseable subscription;
    private final long keepAlive;
    private final Vertx vertx;

    @Inject
    public ReplicaInbox(EventLog log, GatewayConfig config, Vertx vertx) {
        this.log = log;
        this.vertx = vertx;
        String inbox = INBOX + replicaId;
        log.open(inbox, "-");
        subscription = log.subscribe(inbox, event -> receive(event.data()));
        // Keep the inbox alive in a store that expires idle streams.
        keepAlive = vertx.setPeriodic(Math.max(60_000, config.sessionIdleTimeout().toMillis() / 4),
                t -> log.open(inbox, "-"));
    }

    /** Names this process in ids whose answer only it can deliver. */
    public String replicaId() {
        return replicaId;
    }

    /** Registers what handles letters of one kind. */
    public void on(String kind, Consumer<JsonNode> handler) {
        handlers.put(kind, handler);
    }

    /** Hands a letter to another replica (or this one). */
    public Future<Void> send(String replica, String kind, ObjectNode letter) {
        letter.put(KIND, kind);
        return log.append(INBOX + replica, JsonRpcCodec.writeString(letter)).mapEmpty();
    }

    private void receive(String data) {
        JsonNode letter;
        try {
            letter = JsonRpcCodec.MAPPER.readTree(data);
        } catch (IOException e) {
            LOG.warnf("Unreadable letter in this replica's inbox: %s", e.getMessage());
            return;
        }
        Consumer<JsonNode> handler = letter == null ? null : handlers.get(letter.path(KIND).asText());
        if (handler == null) {
            LOG.warnf("A letter of unknown kind in this replica's inbox was dropped");
            return;
        }
        try {
            handler.accept(letter);
        } catch (RuntimeException e) {
            LOG.warnf("A letter in this replica's inbox could not be handled: %s", e.getMessage());
        }
    }

    @PreDestroy
    void close() {
        vertx.cancelTimer(keepAlive);
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.debugf("Closing the inbox subscription: %s", e.getMessage());
        }
    }
}
