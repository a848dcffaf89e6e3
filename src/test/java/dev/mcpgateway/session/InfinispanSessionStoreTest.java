package dev.mcpgateway.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.InfinispanServers;
import io.vertx.core.Vertx;

/** The session store contract on a real two-node Infinispan cluster, waiting real time for expiry. */
class InfinispanSessionStoreTest extends SessionStoreContract {

    private static final Logger LOG = Logger.getLogger(InfinispanSessionStoreTest.class);

    private static RemoteCacheManager client;
    private static Vertx vertx;

    @BeforeAll
    static void connect() {
        client = InfinispanServers.shared().client();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void disconnect() {
        client.stop();
        vertx.close();
    }

    @Override
    protected SessionStore store() {
        return new InfinispanSessionStore(() -> client, vertx, idle(), Duration.ofSeconds(5), 100);
    }

    private static final Duration IDLE = Duration.ofSeconds(4);

    @Override
    protected Duration idle() {
        return IDLE;
    }

    @Override
    protected void pass(Duration time) {
        try {
            // Expiry on a real server is a matter of wall-clock time.
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A store as one replica connected to node {@code index} alone. */
    private static InfinispanSessionStore replica(RemoteCacheManager nodeClient, int maxLocalCopies) {
        InfinispanSessionStore store = new InfinispanSessionStore(() -> nodeClient, vertx, IDLE, Duration.ofSeconds(5),
                maxLocalCopies);
        result(store.connect());
        return store;
    }

    @Test
    void aChangeOnOneReplicaIsSeenOnAnotherConnectedToTheOtherNode() {
        RemoteCacheManager c0 = InfinispanServers.shared().client(0);
        RemoteCacheManager c1 = InfinispanServers.shared().client(1);
        try {
            InfinispanSessionStore a = replica(c0, 100);
            InfinispanSessionStore b = replica(c1, 100);
            GatewaySession s = session(newId());
            result(a.put(s));
            assertThat(result(b.get(s.id()))).isEqualTo(s);
            assertThat(b.localCopies()).as("b now serves it from its copy").isEqualTo(1);

            assertThat(result(a.replace(s.withLogLevel("debug")))).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> "debug".equals(result(b.get(s.id())).logLevel()));

            GatewaySession fewer = s.withLogLevel("debug").withUpstreams(Map.of());
            assertThat(result(a.replace(fewer))).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> result(b.get(s.id())).upstreams().isEmpty());
            assertThat(result(a.get(s.id()))).isEqualTo(fewer);
        } finally {
            c0.stop();
            c1.stop();
        }
    }

    @Test
    void aSessionRemovedOnOneReplicaIsGoneOnAnotherAndNothingBringsItBack() {
        RemoteCacheManager c0 = InfinispanServers.shared().client(0);
        RemoteCacheManager c1 = InfinispanServers.shared().client(1);
        try {
            InfinispanSessionStore a = replica(c0, 100);
            InfinispanSessionStore b = replica(c1, 100);
            GatewaySession s = session(newId());
            result(a.put(s));
            assertThat(result(b.get(s.id()))).isEqualTo(s);
            assertThat(result(a.get(s.id()))).isEqualTo(s);

            assertThat(result(a.remove(s.id()))).isEqualTo(s);
            assertThat(result(a.get(s.id()))).as("the removing replica at once").isNull();
            // b's copy may outlive the removal by the time its event takes; a change b makes meanwhile
            // must not store the session again.
            assertThat(result(b.replace(s.withLogLevel("debug")))).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> result(b.get(s.id())) == null);
            assertThat(result(a.get(s.id()))).isNull();
            assertThat(result(b.exists(s.id()))).isFalse();
        } finally {
            c0.stop();
            c1.stop();
        }
    }

    @Test
    void servingKeepsASessionAlivePastTheIdleTimeoutAndAnIdleOneExpires() {
        InfinispanSessionStore a = replica(client, 100);
        InfinispanSessionStore observer = replica(client, 0);
        GatewaySession active = session(newId());
        GatewaySession idle = session(newId());
        result(a.put(active));
        result(a.put(idle));
        long end = System.currentTimeMillis() + IDLE.toMillis() * 5 / 2;
        while (System.currentTimeMillis() < end) {
            // Served from a's local copy: only the refresh, now and then, reaches the cluster.
            assertThat(result(a.get(active.id()))).isEqualTo(active);
            pass(IDLE.dividedBy(5));
        }
        assertThat(result(observer.get(active.id()))).as("alive in the cluster after 2.5 idle timeouts").isEqualTo(active);
        assertThat(result(observer.get(idle.id()))).as("the idle one expired").isNull();
        assertThat(observer.localCopies()).as("0 keeps no copies").isZero();
    }

    @Test
    void theLocalCopiesAreBounded() {
        InfinispanSessionStore a = replica(client, 3);
        List<GatewaySession> made = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            GatewaySession s = session(newId());
            result(a.put(s));
            assertThat(result(a.get(s.id()))).isEqualTo(s);
            made.add(s);
        }
        assertThat(a.localCopies()).isEqualTo(3);
        // The oldest were dropped, not lost: they are read again from the cluster.
        assertThat(result(a.get(made.get(0).id()))).isEqualTo(made.get(0));
    }

    @Test
    void aSessionIsStoredCompactly() throws Exception {
        GatewaySession typical = session(newId());
        GatewaySession bare = new GatewaySession(newId(), "default", "", "2025-06-18", null, null, Map.of(), null, 0);
        int typicalBytes = client.getMarshaller().objectToByteBuffer(typical).length;
        int bareBytes = client.getMarshaller().objectToByteBuffer(bare).length;
        int keyBytes = client.getMarshaller().objectToByteBuffer(typical.id()).length;
        LOG.infof("Stored bytes: typical session %d (two upstreams), bare session %d, key %d", typicalBytes, bareBytes,
                keyBytes);
        assertThat(bareBytes).isLessThan(100);
        assertThat(typicalBytes).isLessThan(700);
    }

    @Test
    void theServerKnowsTheSchema() {
        result(store().get(newId()));
        assertThat(client.administration().schemas().get(InfinispanSchema.FILE_NAME)).isPresent();
        assertThat(client.administration().schemas().retrieveError(InfinispanSchema.FILE_NAME)).isEmpty();
    }
}
