package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.UpstreamCredentials;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamListener;
import dev.mcpgateway.upstream.UpstreamSession;
import dev.mcpgateway.upstream.UpstreamSink;
import io.vertx.core.Future;

/**
 * What backends send outside any request: a session's standalone streams (the GET stream of
 * earlier revisions) and the {@code subscriptions/listen} streams of 2026-07-28 clients.
 */
@Singleton
class Subscriptions {

    private static final Logger LOG = Logger.getLogger(Subscriptions.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Inject
    UpstreamCredentials credentials;
    @Inject
    UpstreamMessages messages;
    @Inject
    SessionOpener opener;
    @Inject
    Catalog catalog;

    /**
     * Opens every backend's standalone stream for this session, resuming after {@code resume}
     * (backend to upstream event id) where given; what they send goes to the sink, rewritten.
     */
    Future<McpRouter.Pump> listen(Route route, GatewaySession session, Map<String, String> resume, ClientSink sink) {
        List<Future<UpstreamListener>> opened = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (UpstreamSession u : session.upstreamList()) {
            UpstreamClient c = route.client(u.backend());
            if (c == null) {
                continue;
            }
            names.add(u.backend());
            // No caller here (a successor replica may pump): tokens the gateway obtains for itself still apply.
            UpstreamSink toClient = new UpstreamSink() {
                @Override
                public void onMessage(JsonRpcMessage message) {
                    onMessage(message, null);
                }

                @Override
                public void onMessage(JsonRpcMessage message, String upstreamEventId) {
                    JsonRpcMessage rewritten = messages.rewrite(route, session, u, message);
                    if (rewritten != null) {
                        sink.send(rewritten, u.backend(), upstreamEventId);
                    }
                }
            };
            opened.add(credentials.headers(route.config(), c.config(), Principal.ANONYMOUS)
                    .compose(h -> c.listen(u, resume.get(u.backend()), toClient, h))
                    .onFailure(t -> LOG.infof("Backend %s offers no stream for session %s: %s", u.backend(), session.id(),
                            t.getMessage())));
        }
        return Future.join(opened).transform(ignored -> {
            Map<String, UpstreamListener> handles = new LinkedHashMap<>();
            for (int i = 0; i < opened.size(); i++) {
                if (opened.get(i).succeeded()) {
                    handles.put(names.get(i), opened.get(i).result());
                }
            }
            return Future.succeededFuture((McpRouter.Pump) () -> handles.values().forEach(UpstreamListener::close));
        });
    }

    /**
     * The change notifications of every backend for one {@code subscriptions/listen} of a
     * 2026-07-28 client. A 2026-07-28 backend gets a listen of its own; a backend of an earlier
     * revision gets an upstream session of its own for this stream (one standalone stream per
     * session is all it allows), subscribed to the resources asked for and closed with the stream.
     */
    Future<McpRouter.Pump> subscribe(Route route, GatewaySession pooled, Caller caller, McpRouter.ListenFilter filter,
            ClientSink sink) {
        Map<String, List<String>> urisByBackend = new LinkedHashMap<>();
        for (String uri : filter.uris()) {
            Catalog.Target t = catalog.resolveUriNow(route, pooled, uri);
            if (t != null) {
                urisByBackend.computeIfAbsent(t.backend(), k -> new ArrayList<>()).add(t.name());
            }
        }
        List<Future<Runnable>> opened = new ArrayList<>();
        for (UpstreamSession u : pooled.upstreamList()) {
            UpstreamClient c = route.client(u.backend());
            if (c == null) {
                continue;
            }
            List<String> uris = urisByBackend.getOrDefault(u.backend(), List.of());
            opened.add(credentials.headers(route.config(), c.config(), caller.principal()).compose(h -> {
                if (ProtocolVersions.isModern(u.protocolVersion())) {
                    return c.listenFor(u, uris, message -> relay(route, pooled, u, message, filter, sink), h)
                            .map(l -> (Runnable) l::close);
                }
                // No capabilities: a listen stream cannot answer a server request.
                ObjectNode params = opener.initializeParams(ProtocolVersions.LATEST, null);
                // An owner of its own: closing this stream's upstream session must not end the pool's.
                return opener.openBackend(route, c, params, caller.principal(),
                        opener.owner(pooled.id() + "/listen", caller.principal()))
                        .compose(own -> ownStream(route, pooled, c, own, uris, filter, sink, h));
            }).onFailure(t -> LOG.infof("Backend %s: no change notifications for a listen stream: %s", u.backend(),
                    t.getMessage())));
        }
        return Future.join(opened).transform(ignored -> {
            List<Runnable> closers = new ArrayList<>();
            opened.stream().filter(Future::succeeded).forEach(f -> closers.add(f.result()));
            return Future.succeededFuture((McpRouter.Pump) () -> closers.forEach(Runnable::run));
        });
    }

    /** A listen stream's own upstream session: subscribed to the URIs asked for, closed with the stream. */
    private Future<Runnable> ownStream(Route route, GatewaySession pooled, UpstreamClient c, UpstreamSession own,
            List<String> uris, McpRouter.ListenFilter filter, ClientSink sink, Map<String, String> headers) {
        List<Future<JsonRpcResponse>> subscribed = new ArrayList<>();
        for (String uri : uris) {
            ObjectNode p = JSON.objectNode().put("uri", uri);
            subscribed.add(c.request(own, new JsonRpcRequest(JSON.textNode("subscribe-" + uri),
                    McpMethods.RESOURCES_SUBSCRIBE, p), UpstreamSink.DISCARD, headers));
        }
        return Future.join(subscribed)
                .transform(ignored -> c.listen(own, null, message -> relay(route, pooled, own, message, filter, sink), headers))
                .map(l -> (Runnable) () -> {
                    l.close();
                    c.close(own);
                })
                .onFailure(t -> c.close(own));
    }

    private void relay(Route route, GatewaySession pooled, UpstreamSession upstream, JsonRpcMessage message,
            McpRouter.ListenFilter filter, ClientSink sink) {
        if (!(message instanceof JsonRpcNotification)) {
            // A listen stream carries notifications only; a backend's server request here has no one to answer it.
            return;
        }
        if (messages.rewrite(route, pooled, upstream, message) instanceof JsonRpcNotification n && filter.wants(n)) {
            sink.send(n);
        }
    }
}
