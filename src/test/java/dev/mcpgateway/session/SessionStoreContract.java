package dev.mcpgateway.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;

/** What every {@link SessionStore} does. Subclasses supply a store and a way to let time pass. */
abstract class SessionStoreContract {

    /** A fresh store whose sessions expire after {@link #idle()} without use. */
    protected abstract SessionStore store();

    /** The idle timeout of {@link #store()}. */
    protected abstract Duration idle();

    /** Lets {@code time} pass for the store (a test clock, or real waiting). */
    protected abstract void pass(Duration time);

    /** Whatever the store needs to notice idle sessions without being asked for them (a sweep). */
    protected void expireIdleSessions(SessionStore store) {
    }

    static <T> T result(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("store operation failed: " + e, e);
        }
    }

    static GatewaySession session(String id) {
        ObjectNode caps = JsonNodeFactory.instance.objectNode();
        caps.putObject("roots").put("listChanged", true);
        caps.putObject("sampling");
        caps.putObject("x-unknown-extension").putArray("values").add(1).add("two").addNull();
        ObjectNode info = JsonNodeFactory.instance.objectNode().put("name", "test-client").put("version", "1.0.0");
        Map<String, UpstreamSession> upstreams = new LinkedHashMap<>();
        upstreams.put("zeta", new UpstreamSession("zeta", "up-" + id, "2025-06-18",
                (JsonNode) JsonNodeFactory.instance.objectNode().set("tools",
                        JsonNodeFactory.instance.objectNode().put("listChanged", true)),
                JsonNodeFactory.instance.objectNode().put("name", "zeta-server").put("version", "0.1")));
        // No upstream session id (a stateless upstream) and no server info.
        upstreams.put("alpha", new UpstreamSession("alpha", null, "2025-11-25", JsonNodeFactory.instance.objectNode(), null));
        return new GatewaySession(id, "default", "alice", "2025-11-25", caps, info, upstreams, null, 1_700_000_000_000L);
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    @Test
    void listsLiveSessionsUpToTheBound() {
        SessionStore store = store();
        List<String> ids = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString());
        ids.forEach(id -> result(store.put(session(id))));
        result(store.remove(ids.get(2)));
        List<SessionStore.Listed> listed = result(store.list(10_000));
        List<String> listedIds = listed.stream().map(l -> l.session().id()).toList();
        assertThat(listedIds).contains(ids.get(0), ids.get(1)).doesNotContain(ids.get(2));
        SessionStore.Listed first = listed.stream().filter(l -> l.session().id().equals(ids.get(0))).findFirst().orElseThrow();
        assertThat(first.session()).isEqualTo(session(ids.get(0)));
        assertThat(first.lastActiveMillis()).isPositive();
        assertThat(result(store.list(1))).hasSize(1);
    }

    @Test
    void putThenGetAnswersAnEqualSession() {
        SessionStore store = store();
        GatewaySession s = session(newId());
        result(store.put(s));
        GatewaySession got = result(store.get(s.id()));
        assertThat(got).isEqualTo(s);
        assertThat(got.upstreams().keySet()).as("route order").containsExactly("zeta", "alpha");
        assertThat(got.upstream("alpha").sessionId()).isNull();
        assertThat(got.logLevel()).isNull();
    }

    @Test
    void unknownSessionIsNull() {
        assertThat(result(store().get(newId()))).isNull();
    }

    @Test
    void putReplacesTheSession() {
        SessionStore store = store();
        GatewaySession s = session(newId());
        result(store.put(s));
        result(store.put(s.withLogLevel("debug").withUpstreams(Map.of())));
        GatewaySession got = result(store.get(s.id()));
        assertThat(got.logLevel()).isEqualTo("debug");
        assertThat(got.upstreams()).isEmpty();
    }

    @Test
    void replaceChangesALiveSessionAndNeverBringsBackARemovedOne() {
        SessionStore store = store();
        GatewaySession s = session(newId());
        result(store.put(s));
        assertThat(result(store.replace(s.withLogLevel("debug")))).isTrue();
        assertThat(result(store.get(s.id())).logLevel()).isEqualTo("debug");
        result(store.remove(s.id()));
        assertThat(result(store.replace(s.withLogLevel("info")))).isFalse();
        assertThat(result(store.get(s.id()))).isNull();
        assertThat(result(store.replace(session(newId())))).as("never stored").isFalse();
    }

    @Test
    void putIfAbsentKeepsTheFirstSession() {
        SessionStore store = store();
        GatewaySession first = session(newId());
        GatewaySession second = first.withLogLevel("debug");
        assertThat(result(store.putIfAbsent(first))).isNull();
        assertThat(result(store.putIfAbsent(second))).isEqualTo(first);
        assertThat(result(store.get(first.id())).logLevel()).isNull();
        assertThat(result(store.exists(first.id()))).isTrue();
        assertThat(result(store.exists(newId()))).isFalse();
    }

    @Test
    void putIfAbsentStoresOverAnExpiredSession() {
        SessionStore store = store();
        GatewaySession first = session(newId());
        result(store.putIfAbsent(first));
        pass(idle().plusMillis(idle().toMillis() / 2 + 100));
        expireIdleSessions(store);
        assertThat(result(store.putIfAbsent(first.withLogLevel("info")))).isNull();
        assertThat(result(store.get(first.id())).logLevel()).isEqualTo("info");
    }

    @Test
    void removeAnswersTheRemovedSessionOnce() {
        SessionStore store = store();
        GatewaySession s = session(newId());
        result(store.put(s));
        assertThat(result(store.remove(s.id()))).isEqualTo(s);
        assertThat(result(store.get(s.id()))).isNull();
        assertThat(result(store.remove(s.id()))).isNull();
    }

    @Test
    void sessionExpiresAfterTheIdleTimeout() {
        SessionStore store = store();
        GatewaySession s = session(newId());
        result(store.put(s));
        pass(idle().plusMillis(idle().toMillis() / 2));
        assertThat(result(store.get(s.id()))).isNull();
    }

    @Test
    void readingKeepsTheSessionAlive() {
        SessionStore store = store();
        GatewaySession s = session(newId());
        result(store.put(s));
        Duration step = idle().dividedBy(2);
        for (int i = 0; i < 3; i++) {
            pass(step);
            assertThat(result(store.get(s.id()))).as("read %d, %s after the previous one", i + 1, step).isNotNull();
        }
    }

    @Test
    void expiryIsReportedWithTheSession() {
        SessionStore store = store();
        List<GatewaySession> expired = new CopyOnWriteArrayList<>();
        store.onExpiry(expired::add);
        GatewaySession s = session(newId());
        GatewaySession removed = session(newId());
        result(store.put(s));
        result(store.put(removed));
        result(store.remove(removed.id()));
        pass(idle().plusMillis(idle().toMillis() / 2));
        expireIdleSessions(store);
        await().atMost(Duration.ofSeconds(30)).until(() -> expired.stream().anyMatch(e -> e.id().equals(s.id())));
        assertThat(expired).filteredOn(e -> e.id().equals(s.id())).singleElement().isEqualTo(s);
        assertThat(expired).as("a removed session did not expire").noneMatch(e -> e.id().equals(removed.id()));
    }
}
