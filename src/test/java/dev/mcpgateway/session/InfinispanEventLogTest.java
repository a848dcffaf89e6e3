package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.testing.InfinispanFixture;
import io.vertx.core.Future;

/**
 * The event log contract on a real two-node Infinispan cluster, and what only a cluster can show:
 * two gateway processes, each connected to its own node, sharing streams.
 */
class InfinispanEventLogTest extends EventLogContract {

    private static final Duration TIMEOUT = InfinispanFixture.TIMEOUT;

    @RegisterExtension
    static final InfinispanFixture CLUSTER = new InfinispanFixture();

    @Override
    protected EventLog log(int maxEvents) {
        InfinispanEventLog log = new InfinispanEventLog(() -> CLUSTER.client(), CLUSTER.vertx(), maxEvents, idle(), TIMEOUT);
        result(log.connect());
        return log;
    }

    @Override
    protected Duration idle() {
        return Duration.ofSeconds(3);
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

    @Test
    void aSubscriberOnOneNodeReceivesWhatAnotherNodeAppends() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog replica1 = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1),
                    TIMEOUT);
            InfinispanEventLog replica2 = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1),
                    TIMEOUT);
            result(replica1.connect());
            result(replica2.connect());
            String s = newStream();
            result(replica2.open(s, "session-1"));
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            replica1.subscribe(s, seen::add);
            for (int i = 1; i <= 5; i++) {
                result(replica2.append(s, data(i)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 5);
            assertThat(seen).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(seen).allSatisfy(e -> assertThat(e.data()).isEqualTo(data((int) e.seq())));
            assertThat(result(replica1.owner(s))).isEqualTo("session-1");
            assertThat(seqs(result(replica1.readAfter(s, 3)))).containsExactly(4L, 5L);
        }
    }

    @Test
    void writersOnTwoNodesGetDistinctNumbers() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog replica1 = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1),
                    TIMEOUT);
            InfinispanEventLog replica2 = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1),
                    TIMEOUT);
            String s = newStream();
            result(replica1.open(s, "session-1"));
            List<Future<Long>> appends = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                appends.add(replica1.append(s, data(i)));
                appends.add(replica2.append(s, data(100 + i)));
            }
            Set<Long> numbers = new HashSet<>();
            appends.forEach(f -> numbers.add(result(f)));
            assertThat(numbers).containsExactlyInAnyOrderElementsOf(range(1, 20));
            List<StoredEvent> events = result(replica2.readAfter(s, 0));
            assertThat(seqs(events)).containsExactlyElementsOf(range(1, 20));
        }
    }

    /**
     * The defect: every replica decoded every append of every stream. Replica A tails s1 only; B
     * writes 1,000 events to s2 and 3 to s1: A hears s1's changes and none of s2's.
     */
    @Test
    void aReplicaReceivesOnlyTheHeadChangesOfTheStreamsItTails() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog a = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            InfinispanEventLog b = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            tailOneOfTwoStreams(a, b);
            // s1: its creation and three appends; nothing of s2's 1,001 changes, now or later.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> a.headEventsReceived() <= 4);
            System.out.printf("Head changes received by the replica tailing s1, filtered: %d%n", a.headEventsReceived());
            assertThat(a.listenerRegistrations()).isEqualTo(1);
        }
    }

    /** Above the bound on the query's size, a replica listens to every stream, and still delivers right. */
    @Test
    void aReplicaTailingMoreStreamsThanTheFilterNamesHearsEveryStream() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog a = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT, 0);
            InfinispanEventLog b = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            tailOneOfTwoStreams(a, b);
            assertThat(a.listenedStreams()).as("unfiltered").isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> a.headEventsReceived() >= 1_000);
            System.out.printf("Head changes received by the replica tailing s1, unfiltered: %d%n", a.headEventsReceived());
        }
    }

    /**
     * A subscribes to s1; B opens s1 and s2, appends 1,000 events to s2, then 3 to s1; A's subscriber
     * gets exactly s1's three events, in order.
     */
    private static void tailOneOfTwoStreams(InfinispanEventLog a, InfinispanEventLog b) {
        result(a.connect());
        result(b.connect());
        String s1 = newStream();
        String s2 = newStream();
        List<StoredEvent> seen = new CopyOnWriteArrayList<>();
        AutoCloseable sub = a.subscribe(s1, seen::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.listenedStreams() == null || a.listenedStreams().contains(s1));
        result(b.open(s1, "session-1"));
        result(b.open(s2, "session-2"));
        List<Future<Long>> appends = new ArrayList<>();
        for (int i = 1; i <= 1_000; i++) {
            appends.add(b.append(s2, data(i)));
        }
        appends.forEach(SessionStoreContract::result);
        for (int i = 1; i <= 3; i++) {
            result(b.append(s1, data(i)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 3);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> seen.size() == 3);
        assertThat(seen).containsExactly(new StoredEvent(s1, 1, data(1)), new StoredEvent(s1, 2, data(2)),
                new StoredEvent(s1, 3, data(3)));
        close(sub);
    }

    /**
     * Subscribing to many streams at once costs one registration (or two, when the burst straddles
     * the debounce), a later stream another, and the last unsubscription removes the listener. A
     * stream subscribed to before its listener exists misses nothing appended in between.
     */
    @Test
    void theListenerFollowsTheTailedStreams() throws Exception {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog a = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            InfinispanEventLog b = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            result(a.connect());
            result(b.connect());
            assertThat(a.listenedStreams()).as("no subscribers, no listener").isEmpty();
            List<String> streams = new ArrayList<>();
            List<AutoCloseable> subs = new ArrayList<>();
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 50; i++) {
                String s = newStream();
                result(b.open(s, "session-1"));
                streams.add(s);
            }
            for (String s : streams) {
                subs.add(a.subscribe(s, seen::add));
            }
            // Appended right after subscribing, before any listener hears these streams.
            for (String s : streams) {
                result(b.append(s, data(1)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 50);
            assertThat(a.listenedStreams()).containsExactlyInAnyOrderElementsOf(streams);
            assertThat(a.listenerRegistrations()).as("registrations for a burst of 50 streams").isBetween(1L, 2L);
            long before = a.listenerRegistrations();

            String late = newStream();
            result(b.open(late, "session-1"));
            subs.add(a.subscribe(late, seen::add));
            result(b.append(late, data(1)));
            result(b.append(late, data(2)));
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 52);
            assertThat(seen.stream().filter(e -> e.streamId().equals(late)).map(StoredEvent::seq)).containsExactly(1L, 2L);
            assertThat(seen).hasSize(52);
            assertThat(a.listenerRegistrations()).isEqualTo(before + 1);

            for (AutoCloseable sub : subs) {
                sub.close();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.listenedStreams().isEmpty());
        }
    }

    @Test
    void theQueryMatchesEachStreamByItsIdWithoutSpecialCharacters() {
        assertThat(HeadListeners.query(new LinkedHashSet<>(List.of("s1", "it's", "a%b_c\\d"))))
                .isEqualTo("FROM mcpgateway.StreamHead WHERE stream_id LIKE 's1' OR stream_id LIKE 'it_s'"
                        + " OR stream_id LIKE 'a_b_c_d'");
    }

    /** Ids with the characters a LIKE pattern or a string literal reads specially still reach their subscribers. */
    @Test
    void streamsWithSpecialCharactersInTheirIdsAreHeard() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog a = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            InfinispanEventLog b = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1), TIMEOUT);
            String s = newStream() + "it's 100% a_b\\c";
            result(b.open(s, "session-1"));
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            AutoCloseable sub = a.subscribe(s, seen::add);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.listenedStreams().contains(s));
            result(b.append(s, data(1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
            assertThat(seen).containsExactly(new StoredEvent(s, 1, data(1)));
            close(sub);
        }
    }

    /**
     * A head written before heads named their stream (no stream_id) is read, appended to, and heard
     * by a filtered listener from the first append that writes it again.
     */
    @Test
    void aHeadWithoutItsStreamIdStillWorks() {
        InfinispanEventLog log = (InfinispanEventLog) log(100);
        String s = newStream();
        RemoteCache<String, InfinispanEventLog.StreamHead> streams = CLUSTER.client().getCache(InfinispanCaches.STREAMS);
        streams.put(s, new InfinispanEventLog.StreamHead(null, "session-1", 2, false, data(2)));
        assertThat(streams.get(s).streamId()).isNull();
        assertThat(result(log.owner(s))).isEqualTo("session-1");
        List<StoredEvent> seen = new CopyOnWriteArrayList<>();
        AutoCloseable sub = log.subscribe(s, seen::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.listenedStreams().contains(s));
        assertThat(result(log.append(s, data(3)))).isEqualTo(3);
        assertThat(streams.get(s).streamId()).isEqualTo(s);
        assertThat(result(log.append(s, data(4)))).isEqualTo(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(e -> e.seq() == 4));
        // A new subscriber may also get what the stream held before (here event 2, kept in the head).
        assertThat(seen.stream().filter(e -> e.seq() > 2)).containsExactly(new StoredEvent(s, 3, data(3)),
                new StoredEvent(s, 4, data(4)));
        close(sub);
    }

    /**
     * A writer that died after its append replaced the head but before it stored the event left
     * the event in the head only: the next writer's fence stores it, so it is not lost when that
     * writer's first append replaces the head.
     */
    @Test
    void aFenceStoresTheEventADeadWriterLeftInTheHead() {
        InfinispanEventLog log = (InfinispanEventLog) log(100);
        String s = newStream();
        RemoteCache<String, InfinispanEventLog.StreamHead> streams = CLUSTER.client().getCache(InfinispanCaches.STREAMS);
        streams.put(s, new InfinispanEventLog.StreamHead(s, "session-1", 1, false, data(1), "dead",
                Map.of("alpha", "a-1")));
        assertThat(result(log.fence(s, "next"))).isEqualTo(Map.of("alpha", "a-1"));
        assertThat(result(log.append(s, data(2), new EventLog.Origin("next", "alpha", "a-2")))).isEqualTo(2);
        assertThat(result(log.readAfter(s, 0))).containsExactly(new StoredEvent(s, 1, data(1)),
                new StoredEvent(s, 2, data(2)));
    }

    /** Two processes on two nodes: once the second fenced the stream, the first appends nothing more. */
    @Test
    void aWriterOnAnotherNodeIsFencedOut() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            InfinispanEventLog replica1 = new InfinispanEventLog(() -> node1, CLUSTER.vertx(), 100, Duration.ofMinutes(1),
                    TIMEOUT);
            InfinispanEventLog replica2 = new InfinispanEventLog(() -> node2, CLUSTER.vertx(), 100, Duration.ofMinutes(1),
                    TIMEOUT);
            String s = newStream();
            result(replica1.open(s, "session-1"));
            result(replica1.fence(s, "r1"));
            result(replica1.append(s, data(1), new EventLog.Origin("r1", "alpha", "a-1")));
            assertThat(result(replica2.fence(s, "r2"))).isEqualTo(Map.of("alpha", "a-1"));
            assertThat(failure(replica1.append(s, data(2), new EventLog.Origin("r1", "alpha", "a-2"))))
                    .isInstanceOf(StreamFencedException.class);
            assertThat(result(replica2.append(s, data(2), new EventLog.Origin("r2", "alpha", "a-2")))).isEqualTo(2);
            assertThat(result(replica1.readAfter(s, 0))).extracting(StoredEvent::data).containsExactly(data(1), data(2));

            // Now racing: the first keeps copying while the second fences. What got in before the
            // fence is exactly what the positions answered cover; nothing gets in after it.
            String t = newStream();
            result(replica1.open(t, "session-1"));
            result(replica1.fence(t, "r1"));
            List<Future<Long>> old = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                old.add(replica1.append(t, data(i), new EventLog.Origin("r1", "alpha", "a-" + i)));
            }
            Map<String, String> positions = result(replica2.fence(t, "r2"));
            long appended = old.stream().filter(f -> settled(f).succeeded()).count();
            assertThat(old.stream().filter(Future::failed)).allSatisfy(f -> assertThat(f.cause())
                    .isInstanceOf(StreamFencedException.class));
            assertThat(old.subList(0, (int) appended)).as("a prefix got in").allMatch(Future::succeeded);
            assertThat(positions).isEqualTo(appended == 0 ? Map.of() : Map.of("alpha", "a-" + appended));
            assertThat(result(replica2.readAfter(t, 0))).extracting(StoredEvent::data)
                    .containsExactlyElementsOf(old.subList(0, (int) appended).stream().map(f -> data(result(f).intValue()))
                            .toList());
        }
    }
}
