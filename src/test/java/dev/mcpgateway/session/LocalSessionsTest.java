package dev.mcpgateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bounded local copy of sessions: what it keeps, for how long, and what it refuses to keep. */
class LocalSessionsTest {

    private static LocalSessions.Copy copy(String id, long expiresAt) {
        return new LocalSessions.Copy(SessionStoreContract.session(id), 7, 0, expiresAt);
    }

    @Test
    void keepsAtMostMaxEntriesDroppingTheLeastRecentlyUsed() {
        LocalSessions local = new LocalSessions(2);
        local.keep("a", copy("a", 1000), local.stamp());
        local.keep("b", copy("b", 1000), local.stamp());
        assertThat(local.get("a", 0)).isNotNull();
        local.keep("c", copy("c", 1000), local.stamp());
        assertThat(local.size()).isEqualTo(2);
        assertThat(local.get("b", 0)).as("least recently used").isNull();
        assertThat(local.get("a", 0)).isNotNull();
        assertThat(local.get("c", 0)).isNotNull();
    }

    @Test
    void zeroKeepsNothing() {
        LocalSessions local = new LocalSessions(0);
        local.keep("a", copy("a", 1000), local.stamp());
        assertThat(local.size()).isZero();
        assertThat(local.get("a", 0)).isNull();
    }

    @Test
    void aCopyIsNotUsedAfterItsLifespan() {
        LocalSessions local = new LocalSessions(10);
        local.keep("a", copy("a", 1000), local.stamp());
        assertThat(local.get("a", 999)).isNotNull();
        assertThat(local.get("a", 1000)).isNull();
        assertThat(local.size()).isZero();
    }

    @Test
    void aReadThatRacedWithAnInvalidationIsNotKept() {
        LocalSessions local = new LocalSessions(10);
        long stamp = local.stamp();
        // The change's event arrives while the read of the old value travels.
        local.invalidate("a");
        local.keep("a", copy("a", 1000), stamp);
        assertThat(local.get("a", 0)).isNull();
        local.keep("a", copy("a", 1000), local.stamp());
        assertThat(local.get("a", 0)).isNotNull();
        local.invalidate("a");
        assertThat(local.get("a", 0)).isNull();
    }

    @Test
    void nothingIsKeptOrServedWhileDistrusted() {
        LocalSessions local = new LocalSessions(10);
        local.keep("a", copy("a", 1000), local.stamp());
        local.distrust();
        assertThat(local.get("a", 0)).isNull();
        local.keep("b", copy("b", 1000), local.stamp());
        assertThat(local.size()).isZero();
        local.trust();
        local.keep("b", copy("b", 1000), local.stamp());
        assertThat(local.get("b", 0)).isNotNull();
    }

    @Test
    void aFailoverDuringTheCheckThatTheListenerIsBackKeepsDistrust() {
        LocalSessions local = new LocalSessions(10);
        local.distrust();
        long seen = local.distrusts();
        // The listener lost its server again after the check read the count.
        local.distrust();
        assertThat(local.trust(seen)).isFalse();
        assertThat(local.trusted()).isFalse();
        assertThat(local.trust(local.distrusts())).isTrue();
    }
}
