package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.session.EventLog.Origin;
import dev.mcpgateway.session.EventLog.StoredEvent;
import io.vertx.core.Future;

/** What every {@link EventLog} does. Subclasses supply a log and a way to let time pass. */
abstract class EventLogContract {

    /** A fresh log keeping at most {@code maxEvents} per stream; streams expire after {@link #idle()}. */
    protected abstract EventLog log(int maxEvents);

    /** The idle timeout of {@link #log(int)}. */
    protected abstract Duration idle();

    /** Lets {@code time} pass for the log (a test clock, or real waiting). */
    protected abstract void pass(Duration time);

    /** Whatever the log needs to drop idle streams (a sweep). */
    protected void expireIdleStreams(EventLog log) {
    }

    static String newStream() {
        return "s" + UUID.randomUUID();
    }

    static String data(int i) {
        return "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"n\":" + i + "}}";
    }

    static List<Long> seqs(List<StoredEvent> events) {
        return events.stream().map(StoredEvent::seq).toList();
    }

    @Test
    void appendsAreNumberedFromOne() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        for (int i = 1; i <= 3; i++) {
            assertThat(result(log.append(s, data(i)))).isEqualTo(i);
        }
    }

    @Test
    void appendToAnUnknownStreamFails() {
        EventLog log = log(100);
        Future<Long> f = log.append(newStream(), data(1));
        assertThatThrownBy(() -> f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
    }

    @Test
    void concurrentAppendsGetDistinctNumbersInOrder() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        List<Future<Long>> appends = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            appends.add(log.append(s, data(i)));
        }
        List<Long> numbers = appends.stream().map(SessionStoreContract::result).toList();
        assertThat(numbers).containsExactlyElementsOf(range(1, 20));
        List<StoredEvent> events = result(log.readAfter(s, 0));
        assertThat(seqs(events)).containsExactlyElementsOf(range(1, 20));
        assertThat(events).allSatisfy(e -> assertThat(e.data()).isEqualTo(data((int) e.seq())));
    }

    @Test
    void readAfterAnswersExactlyTheLaterEvents() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        for (int i = 1; i <= 5; i++) {
            result(log.append(s, data(i)));
        }
        List<StoredEvent> after2 = result(log.readAfter(s, 2));
        assertThat(seqs(after2)).containsExactly(3L, 4L, 5L);
        assertThat(after2.get(0)).isEqualTo(new StoredEvent(s, 3, data(3)));
        assertThat(after2.get(0).eventId()).isEqualTo(s + ":3");
        assertThat(seqs(result(log.readAfter(s, 0)))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(result(log.readAfter(s, 5))).isEmpty();
        assertThat(result(log.readAfter(s, 99))).isEmpty();
        assertThat(result(log.readAfter(newStream(), 0))).isEmpty();
    }

    @Test
    void aStreamKeepsOnlyTheNewestEvents() {
        EventLog log = log(3);
        String s = newStream();
        result(log.open(s, "session-1"));
        for (int i = 1; i <= 7; i++) {
            result(log.append(s, data(i)));
        }
        assertThat(seqs(result(log.readAfter(s, 0)))).containsExactly(5L, 6L, 7L);
        assertThat(seqs(result(log.readAfter(s, 5)))).containsExactly(6L, 7L);
        assertThat(result(log.append(s, data(8)))).as("numbering goes on").isEqualTo(8);
    }

    @Test
    void streamsAreSeparate() {
        EventLog log = log(100);
        String a = newStream();
        String b = newStream();
        result(log.open(a, "session-1"));
        result(log.open(b, "session-1"));
        List<StoredEvent> seenByB = new CopyOnWriteArrayList<>();
        AutoCloseable sub = log.subscribe(b, seenByB::add);
        result(log.append(a, data(1)));
        result(log.append(a, data(2)));
        result(log.append(b, data(3)));
        assertThat(result(log.readAfter(b, 0))).containsExactly(new StoredEvent(b, 1, data(3)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !seenByB.isEmpty());
        assertThat(seenByB).containsExactly(new StoredEvent(b, 1, data(3)));
        close(sub);
    }

    @Test
    void ownerIsTheSessionThatOpenedTheStream() {
        EventLog log = log(100);
        String s = newStream();
        assertThat(result(log.owner(s))).isNull();
        result(log.open(s, "session-1"));
        result(log.open(s, "session-2"));
        assertThat(result(log.owner(s))).as("a second open keeps the owner").isEqualTo("session-1");
    }

    @Test
    void completeMarksTheStreamFinished() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        result(log.append(s, data(1)));
        assertThat(result(log.isComplete(s))).isFalse();
        result(log.append(s, data(2)));
        result(log.complete(s));
        assertThat(result(log.isComplete(s))).isTrue();
        assertThat(seqs(result(log.readAfter(s, 0)))).as("completing keeps the events").containsExactly(1L, 2L);
        assertThat(result(log.isComplete(newStream()))).isFalse();
    }

    @Test
    void subscribersReceiveAppendsInOrder() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        List<StoredEvent> seen = new CopyOnWriteArrayList<>();
        List<StoredEvent> seenByClosed = new CopyOnWriteArrayList<>();
        AutoCloseable sub = log.subscribe(s, seen::add);
        AutoCloseable closed = log.subscribe(s, seenByClosed::add);
        close(closed);
        for (int i = 1; i <= 5; i++) {
            log.append(s, data(i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 5);
        assertThat(seen).containsExactly(new StoredEvent(s, 1, data(1)), new StoredEvent(s, 2, data(2)),
                new StoredEvent(s, 3, data(3)), new StoredEvent(s, 4, data(4)), new StoredEvent(s, 5, data(5)));
        assertThat(seenByClosed).as("a closed subscription").isEmpty();
        close(sub);
    }

    @Test
    void removeForgetsTheStream() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        result(log.append(s, data(1)));
        result(log.complete(s));
        result(log.remove(s));
        assertThat(result(log.owner(s))).isNull();
        assertThat(result(log.readAfter(s, 0))).isEmpty();
        assertThat(result(log.isComplete(s))).isFalse();
        Future<Long> f = log.append(s, data(2));
        assertThatThrownBy(() -> f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
        result(log.remove(newStream()));
    }

    @Test
    void anIdleStreamExpires() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        result(log.append(s, data(1)));
        pass(idle().plusMillis(idle().toMillis() / 2));
        expireIdleStreams(log);
        assertThat(result(log.owner(s))).isNull();
        assertThat(result(log.readAfter(s, 0))).isEmpty();
    }

    @Test
    void copiedEventsRecordTheirSourcesPositions() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        assertThat(result(log.fence(s, "writer-1"))).as("nothing copied yet").isEmpty();
        assertThat(result(log.append(s, data(1), new Origin("writer-1", "alpha", "a-1")))).isEqualTo(1);
        assertThat(result(log.append(s, data(2), new Origin("writer-1", "beta", "b-7")))).isEqualTo(2);
        assertThat(result(log.append(s, data(3), new Origin("writer-1", "alpha", null)))).as("an event without id")
                .isEqualTo(3);
        assertThat(result(log.append(s, data(4)))).as("an event of the gateway's own").isEqualTo(4);
        assertThat(seqs(result(log.readAfter(s, 0)))).containsExactlyElementsOf(range(1, 4));
        assertThat(result(log.fence(s, "writer-2"))).isEqualTo(Map.of("alpha", "a-1", "beta", "b-7"));
        assertThat(result(log.append(s, data(5), new Origin("writer-2", "alpha", "a-2")))).isEqualTo(5);
        assertThat(result(log.fence(s, "writer-3"))).isEqualTo(Map.of("alpha", "a-2", "beta", "b-7"));
        assertThat(seqs(result(log.readAfter(s, 4)))).containsExactly(5L);
    }

    @Test
    void aFencedOutWriterAppendsNothing() {
        EventLog log = log(100);
        String s = newStream();
        result(log.open(s, "session-1"));
        assertThat(failure(log.append(s, data(1), new Origin("writer-1", "alpha", "a-1"))))
                .as("no writer fenced the stream yet").isInstanceOf(StreamFencedException.class);
        result(log.fence(s, "writer-1"));
        assertThat(result(log.append(s, data(1), new Origin("writer-1", "alpha", "a-1")))).isEqualTo(1);
        result(log.fence(s, "writer-2"));
        assertThat(failure(log.append(s, data(2), new Origin("writer-1", "alpha", "a-2"))))
                .isInstanceOf(StreamFencedException.class);
        assertThat(result(log.fence(s, "writer-3"))).as("the refused event left no position")
                .isEqualTo(Map.of("alpha", "a-1"));
        assertThat(seqs(result(log.readAfter(s, 0)))).containsExactly(1L);
        assertThat(result(log.append(s, data(2)))).as("the gateway's own events need no writer").isEqualTo(2);
        assertThat(failure(log.fence(newStream(), "writer-1"))).as("an unknown stream").isNotNull();
    }

    @Test
    void racingWritersNeverBothAppendAfterAFence() {
        EventLog log = log(1000);
        String s = newStream();
        result(log.open(s, "session-1"));
        result(log.fence(s, "old"));
        // The old writer keeps copying while the new one fences: whatever the old one got in is
        // before the fence, so the positions answered cover exactly the events it appended.
        List<Future<Long>> old = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            old.add(log.append(s, data(i), new Origin("old", "alpha", "a-" + i)));
        }
        Map<String, String> positions = result(log.fence(s, "new"));
        long appended = old.stream().filter(f -> settled(f).succeeded()).count();
        assertThat(old.stream().filter(f -> settled(f).failed()))
                .allSatisfy(f -> assertThat(f.cause()).isInstanceOf(StreamFencedException.class));
        List<StoredEvent> events = result(log.readAfter(s, 0));
        assertThat(events).hasSize((int) appended);
        if (appended > 0) {
            assertThat(positions).isEqualTo(Map.of("alpha", "a-" + appended));
            assertThat(events.get(events.size() - 1).data()).isEqualTo(data((int) appended));
        }
    }

    static Future<?> settled(Future<?> f) {
        try {
            f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            // A failed future is what some of these are.
        }
        return f;
    }

    static Throwable failure(Future<?> f) {
        assertThat(settled(f).failed()).as("failed").isTrue();
        return f.cause();
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
