package dev.mcpgateway.transport;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.mcpgateway.config.GatewayConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.TCPServerBase;

/**
 * Bounds what one client connection may hold: the time to send a request head
 * ({@code limits.header-timeout}), the pause allowed inside a request body
 * ({@code limits.body-stall-timeout}), and the connections one client address may keep open
 * ({@code limits.max-connections-per-address}; a connection over it is closed as soon as it is
 * accepted, before anything is read).
 *
 * <p>
 * Neither Quarkus nor Vert.x 4 offers a hook when a connection opens on the server Quarkus owns, nor
 * a header timeout. So once that server listens, a handler is put on its listening channel, ahead
 * of the handler that hands new connections to Vert.x: it counts connections per address and gives
 * each a {@link ConnectionGuard}. Reaching the listening channel uses Vert.x internals; when that
 * fails (a Vert.x upgrade), the gateway says at start-up which limits are not enforced.
 */
@ApplicationScoped
public class ConnectionLimits implements HttpServerOptionsCustomizer {

    private static final Logger LOG = Logger.getLogger(ConnectionLimits.class);
    private static final String ACCEPTOR_NAME = "mcp-gateway-connection-limits";

    private final Vertx vertx;
    private final long headerTimeoutMillis;
    private final long stallTimeoutMillis;
    private final int maxPerAddress;
    private final Map<InetAddress, Long> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    @Inject
    public ConnectionLimits(Vertx vertx, GatewayConfig config) {
        this.vertx = vertx;
        this.headerTimeoutMillis = config.limits().headerTimeout().toMillis();
        this.stallTimeoutMillis = config.limits().bodyStallTimeout().toMillis();
        this.maxPerAddress = config.limits().maxConnectionsPerAddress();
    }

    /**
     * No cleartext HTTP/2 (h2c): with it, Vert.x builds a connection's HTTP/1.1 handlers only when
     * the first bytes arrive, too late to time the first request head. MCP clients speak HTTP/1.1
     * in cleartext (an h2c upgrade request is answered in HTTP/1.1); HTTP/2 over TLS is unchanged.
     */
    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }

    void started(@ObservesAsync HttpServerStart start) {
        install();
    }

    /** Guards every HTTP server of this Vert.x that listens now; true when at least one is guarded. */
    synchronized boolean install() {
        boolean any = false;
        try {
            for (HttpServerImpl server : ((VertxInternal) vertx).sharedHttpServers().values()) {
                Channel listening = listeningChannel(server);
                if (listening == null) {
                    continue;
                }
                if (listening.pipeline().get(ACCEPTOR_NAME) == null) {
                    listening.pipeline().addFirst(ACCEPTOR_NAME, new Acceptor());
                    LOG.debugf("Connection limits on %s", listening.localAddress());
                }
                any = true;
            }
        } catch (RuntimeException | ReflectiveOperationException e) {
            LOG.debugf(e, "Cannot reach the listening channel");
        }
        if (!any) {
            LOG.warnf("The HTTP server's connections cannot be guarded (Vert.x internals changed): "
                    + "mcp-gateway.limits.header-timeout, body-stall-timeout and max-connections-per-address are not enforced");
        }
        return any;
    }

    private static Channel listeningChannel(HttpServerImpl server) throws ReflectiveOperationException {
        Field bind = TCPServerBase.class.getDeclaredField("bindFuture");
        bind.setAccessible(true);
        Object future = bind.get(server);
        if (future instanceof Future<?> f && f.succeeded() && f.result() instanceof Channel c && c.isOpen()) {
            return c;
        }
        return null;
    }

    /** Connections from {@code address} open now. */
    long connections(InetAddress address) {
        Long n = perAddress.get(address);
        return n == null ? 0 : n;
    }

    /** Connections closed at once because their address held too many. */
    long refusedConnections() {
        return refused.get();
    }

    /** Sees every accepted connection before Vert.x does. */
    @ChannelHandler.Sharable
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof Channel child) {
                if (!admit(child)) {
                    child.unsafe().closeForcibly();
                    return;
                }
                child.pipeline().addFirst(ConnectionGuard.HEAD_NAME,
                        new ConnectionGuard(headerTimeoutMillis, stallTimeoutMillis).head());
            }
            super.channelRead(ctx, msg);
        }
    }

    private boolean admit(Channel child) {
        SocketAddress remote = child.remoteAddress();
        if (maxPerAddress <= 0 || !(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return true;
        }
        InetAddress address = inet.getAddress();
        if (perAddress.merge(address, 1L, Long::sum) > maxPerAddress) {
            release(address);
            refused.incrementAndGet();
            LOG.debugf("Refused a connection from %s: it holds %d, the most allowed "
                    + "(mcp-gateway.limits.max-connections-per-address)", address, maxPerAddress);
            return false;
        }
        child.closeFuture().addListener(f -> release(address));
        return true;
    }

    private void release(InetAddress address) {
        perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
}
