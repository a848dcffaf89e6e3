package dev.mcpgateway.federation;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.cluster.ReplicaInbox;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.UpstreamCredentials;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A client's answers to server-to-client requests (sampling, elicitation, roots, ping): verified
 * against the signed id, then delivered to the upstream session that asked, on the replica that
 * holds it when only one can (a stdio process, a legacy SSE connection).
 */
@Singleton
class ServerRequests {

    private static final Logger LOG = Logger.getLogger(ServerRequests.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String LETTER = "answer";

    private final RequestIds requestIds;
    private final ReplicaInbox inbox;
    private final InputRounds inputRounds;
    private final UpstreamCredentials credentials;
    private final WarningSummary forged;

    @Inject
    ServerRequests(RequestIds requestIds, ReplicaInbox inbox, InputRounds inputRounds, UpstreamCredentials credentials,
            RouteTable routes, Vertx vertx) {
        this.forged = new WarningSummary(LOG, "Session %s answered an unknown or forged request id %s", vertx);
        this.requestIds = requestIds;
        this.inbox = inbox;
        this.inputRounds = inputRounds;
        this.credentials = credentials;
        inbox.on(LETTER, letter -> delivered(routes, letter));
    }

    /**
     * The client's answer to a server request: back to the upstream session that asked. Fails with
     * -32600 for an id this gateway did not issue to this session.
     */
    Future<Void> clientResponse(Route route, GatewaySession session, Caller caller, JsonRpcResponse response) {
        RequestIds.Route target = requestIds.verify(session.id(), response.id());
        if (target == null) {
            // A client can send thousands of these in one batch: one line per session and second.
            forged.warn(session.id(), session.id(), response.id());
            return Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: no server request with id " + response.id() + " is waiting for this answer"));
        }
        if (target.upstreamSession().isEmpty() && target.originalId().isTextual()
                && target.originalId().asText().startsWith(InputRounds.INPUT_PREFIX)) {
            return inputRounds.answered(target.originalId().asText().substring(InputRounds.INPUT_PREFIX.length()),
                    target.replica(), response);
        }
        UpstreamSession upstream = session.upstream(target.backend());
        UpstreamClient client = route.client(target.backend());
        String current = upstream == null || upstream.sessionId() == null ? "" : upstream.sessionId();
        if (upstream == null || client == null || !current.equals(target.upstreamSession())) {
            return Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: the backend session that asked " + response.id() + " has ended"));
        }
        JsonRpcResponse answer = response.withId(target.originalId());
        if (!target.replica().isEmpty() && !target.replica().equals(inbox.replicaId())) {
            // The process or connection that asked lives on another replica: hand the answer over.
            ObjectNode letter = JSON.objectNode();
            letter.put("route", route.path());
            letter.put("backend", target.backend());
            letter.put("upstreamSession", target.upstreamSession());
            letter.set("answer", JsonRpcCodec.toJson(answer));
            return inbox.send(target.replica(), LETTER, letter);
        }
        return credentials.headers(route.config(), client.config(), caller.principal())
                .compose(h -> client.send(upstream, answer, h));
    }

    /** An answer another replica handed over for this replica's stdio process or SSE connection. */
    private static void delivered(RouteTable routes, JsonNode letter) {
        Route route = routes.route(letter.path("route").asText());
        UpstreamClient client = route == null ? null : route.client(letter.path("backend").asText());
        if (client == null) {
            return;
        }
        String upstreamSession = letter.path("upstreamSession").asText();
        UpstreamSession target = new UpstreamSession(client.name(), upstreamSession.isEmpty() ? null : upstreamSession, null,
                null, null);
        client.send(target, JsonRpcCodec.decode(letter.get("answer"))).onFailure(t -> LOG
                .warnf("An answer handed over for backend %s was not delivered: %s", client.name(), t.getMessage()));
    }
}
