package dev.mcpgateway.transport;

import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The read deadlines of one client connection. A request head (request line and headers) must
 * arrive within the header timeout, counted from the connection's start and, on a kept-alive
 * connection, from the end of the previous response; a request body may not pause longer than the
 * body stall timeout between bytes. Past either the client gets {@code 408 Request Timeout} when
 * no response has begun, and the connection is closed. Applies to HTTP/1.x; HTTP/2 connections
 * and TLS handshakes have their own settings.
 *
 * <p>
 * Two handlers share this state: {@link #head()} sits first in the pipeline from the connection's
 * start, and places {@link #http()} next to the connection's HTTP handler (where it sees decoded
 * heads and body chunks) as soon as that exists: when the connection opens, or after its TLS
 * handshake. That is before any request is decoded only when Vert.x does not wait for the first
 * bytes to choose between HTTP/1.1 and HTTP/2 prior knowledge, which is why
 * {@link ConnectionLimits} turns cleartext HTTP/2 (h2c) off.
 */
final class ConnectionGuard {

    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class);
    static final String HEAD_NAME = "mcp-gateway-guard";
    private static final String HTTP_NAME = "mcp-gateway-read-deadlines";
    /** Names Vert.x gives its HTTP/1.x handlers. */
    private static final String VERTX_DECODER = "httpDecoder";
    private static final String VERTX_HANDLER = "handler";

    private final long headerTimeoutNanos;
    private final long stallTimeoutNanos;
    private Channel channel;
    private ChannelHandlerContext httpCtx;
    private ScheduledFuture<?> headerTimer;
    private ScheduledFuture<?> stallTimer;
    /** Request heads received and responses completed on this connection. */
    private long heads;
    private long responses;
    private boolean inBody;
    private long lastBodyProgress;
    /** A response to the current request has begun (a 408 would corrupt it). */
    private boolean responding;
    private boolean done;

    ConnectionGuard(long headerTimeoutMillis, long stallTimeoutMillis) {
        this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headerTimeoutMillis);
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMillis);
    }

    ChannelInboundHandlerAdapter head() {
        return new Head();
    }

    private ChannelDuplexHandler http() {
        return new Http();
    }

    private final class Head extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            channel = ctx.channel();
            startHeaderTimer();
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls != null && ctx.pipeline().get(VERTX_HANDLER) == null) {
                // Vert.x builds the HTTP handlers when the handshake completes, before the first
                // request bytes are decoded; this listener runs right after its own.
                tls.handshakeFuture().addListener(f -> {
                    if (f.isSuccess()) {
                        install(ctx);
                    }
                });
            } else {
                install(ctx);
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            done = true;
            cancel(headerTimer);
            cancel(stallTimer);
            super.channelInactive(ctx);
        }

        /**
         * Places the handler that sees decoded requests, before any has been decoded, so that it
         * counts every head. Without Vert.x's HTTP/1.x handler (HTTP/2) it is not placed and the
         * connection is not timed here.
         */
        private void install(ChannelHandlerContext ctx) {
            if (httpCtx == null && ctx.pipeline().get(VERTX_DECODER) != null && ctx.pipeline().get(VERTX_HANDLER) != null
                    && ctx.pipeline().get(HTTP_NAME) == null) {
                ctx.pipeline().addBefore(VERTX_HANDLER, HTTP_NAME, http());
            }
        }
    }

    private final class Http extends ChannelDuplexHandler {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            httpCtx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HttpRequest) {
                heads++;
                responding = false;
                cancel(headerTimer);
                headerTimer = null;
                if (!(msg instanceof LastHttpContent)) {
                    inBody = true;
                    lastBodyProgress = System.nanoTime();
                    startStallTimer(stallTimeoutNanos);
                }
            } else if (msg instanceof HttpContent) {
                lastBodyProgress = System.nanoTime();
                if (msg instanceof LastHttpContent) {
                    inBody = false;
                    cancel(stallTimer);
                    stallTimer = null;
                }
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse r && r.status().code() >= 200) {
                responding = true;
            }
            if (msg instanceof LastHttpContent) {
                responses++;
                // A kept-alive connection waits for its next head no longer than for the first one.
                if (responses >= heads && !inBody) {
                    promise.addListener(f -> startHeaderTimer());
                }
            }
            super.write(ctx, msg, promise);
        }
    }

    private void startHeaderTimer() {
        if (done || channel == null || headerTimeoutNanos <= 0) {
            return;
        }
        cancel(headerTimer);
        headerTimer = channel.eventLoop().schedule(this::headerTimedOut, headerTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void startStallTimer(long delayNanos) {
        if (done || stallTimeoutNanos <= 0) {
            return;
        }
        cancel(stallTimer);
        stallTimer = channel.eventLoop().schedule(this::stallCheck, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void headerTimedOut() {
        if (done || heads > responses || !channel.isActive()) {
            return;
        }
        if (httpCtx == null || httpCtx.isRemoved()) {
            // HTTP/2, or a TLS handshake (bounded by its own timeout): not ours to time.
            return;
        }
        LOG.debugf("Closed a connection from %s: no complete request head within the header timeout "
                + "(mcp-gateway.limits.header-timeout)", channel.remoteAddress());
        refuse(heads == 0);
    }

    private void stallCheck() {
        if (done || !inBody || !channel.isActive()) {
            return;
        }
        long idle = System.nanoTime() - lastBodyProgress;
        // A paused read is the server's doing (it is not consuming the body yet), not the client's stall.
        if (idle < stallTimeoutNanos || !channel.config().isAutoRead()) {
            startStallTimer(Math.max(stallTimeoutNanos - idle, TimeUnit.MILLISECONDS.toNanos(50)));
            return;
        }
        LOG.debugf("Closed a connection from %s: its request body stalled longer than the body stall timeout "
                + "(mcp-gateway.limits.body-stall-timeout)", channel.remoteAddress());
        refuse(!responding);
    }

    /** Closes the connection, after a 408 when {@code answer} and nothing else has been sent for this request. */
    private void refuse(boolean answer) {
        done = true;
        cancel(headerTimer);
        cancel(stallTimer);
        if (answer && httpCtx != null && !httpCtx.isRemoved()) {
            FullHttpResponse timeout = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT);
            timeout.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE).setInt(HttpHeaderNames.CONTENT_LENGTH,
                    0);
            httpCtx.writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
