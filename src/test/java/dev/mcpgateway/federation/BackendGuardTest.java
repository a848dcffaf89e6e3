package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.Resilience;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.upstream.UpstreamErrors;

/** The circuit's state machine and the concurrency bound, on a clock the test moves. */
class BackendGuardTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);

    BackendGuard guard(int threshold, int maxConcurrent, boolean hide) {
        return new BackendGuard("default", "web", new Resilience(threshold, Duration.ofSeconds(10), maxConcurrent,
                Resilience.FailureMode.FAIL_OPEN, hide), now::get);
    }

    static final JsonRpcException REFUSED = UpstreamErrors.unavailable("web", "Connection refused: 127.0.0.1/127.0.0.1:1");

    void fail(BackendGuard g) {
        int permit = g.acquire();
        assertThat(permit).isGreaterThanOrEqualTo(BackendGuard.PERMITTED);
        g.release(permit, REFUSED);
    }

    @Test
    void opensAfterConsecutiveFailuresAndProbesAfterOpenFor() {
        BackendGuard g = guard(3, 0, false);
        fail(g);
        fail(g);
        // A success in between starts the count again.
        g.release(g.acquire(), null);
        fail(g);
        fail(g);
        assertThat(g.state()).isEqualTo(BackendGuard.State.CLOSED);
        fail(g);
        assertThat(g.state()).isEqualTo(BackendGuard.State.OPEN);
        assertThat(g.acquire()).isEqualTo(BackendGuard.REFUSED_CIRCUIT);
        JsonRpcException refusal = g.refusal(BackendGuard.REFUSED_CIRCUIT);
        assertThat(refusal.error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(refusal.getMessage()).contains("Backend 'web' is unavailable: its circuit is open after 3 consecutive")
                .contains("10000 ms");
        assertThat(refusal.error().data().path("circuit").asText()).isEqualTo("open");

        now.addAndGet(Duration.ofSeconds(10).toNanos());
        int probe = g.acquire();
        assertThat(probe).isEqualTo(BackendGuard.PROBE);
        assertThat(g.state()).isEqualTo(BackendGuard.State.HALF_OPEN);
        // One probe at a time.
        assertThat(g.acquire()).isEqualTo(BackendGuard.REFUSED_CIRCUIT);
        g.release(probe, REFUSED);
        assertThat(g.state()).isEqualTo(BackendGuard.State.OPEN);
        assertThat(g.acquire()).isEqualTo(BackendGuard.REFUSED_CIRCUIT);

        now.addAndGet(Duration.ofSeconds(10).toNanos());
        probe = g.acquire();
        assertThat(probe).isEqualTo(BackendGuard.PROBE);
        g.release(probe, null);
        assertThat(g.state()).isEqualTo(BackendGuard.State.CLOSED);
        assertThat(g.acquire()).isEqualTo(BackendGuard.PERMITTED);
    }

    @Test
    void onlyTransportFailuresOfThisBackendCount() {
        BackendGuard g = guard(1, 0, false);
        assertThat(g.countsAgainst(REFUSED)).isTrue();
        assertThat(g.countsAgainst(UpstreamErrors.timeout("web", 1000))).isTrue();
        assertThat(g.countsAgainst(UpstreamErrors.unavailable("web", "HTTP 503 busy"))).isTrue();
        assertThat(g.countsAgainst(UpstreamErrors.unavailable("web", "HTTP 429 slow down"))).isTrue();
        assertThat(g.countsAgainst(UpstreamErrors.unavailable("web", "HTTP 401 who are you"))).isFalse();
        assertThat(g.countsAgainst(UpstreamErrors.sessionExpired("web"))).isFalse();
        assertThat(g.countsAgainst(UpstreamErrors.tooLarge("web", "a response body", 10))).isFalse();
        // Bounds of the gateway's own, and its shutdown, say nothing about the backend.
        assertThat(g.countsAgainst(UpstreamErrors.unavailable("web", "this replica already runs 64 stdio processes,"
                + " the most mcp-gateway.upstream.max-stdio-processes allows"))).isFalse();
        assertThat(g.countsAgainst(UpstreamErrors.unavailable("web", "the gateway is shutting down"))).isFalse();
        assertThat(g.countsAgainst(UpstreamErrors.unavailable("other", "Connection refused"))).isFalse();
        assertThat(g.countsAgainst(new JsonRpcException(ErrorCodes.REQUEST_CANCELLED, "cancelled"))).isFalse();
        assertThat(g.countsAgainst(new IllegalStateException("a bug"))).isFalse();
        // A JSON-RPC error the upstream answered is a success for the circuit.
        g.release(g.acquire(), null);
        assertThat(g.state()).isEqualTo(BackendGuard.State.CLOSED);
    }

    @Test
    void boundRefusesBeyondMaxConcurrentAndFreesOnRelease() {
        BackendGuard g = guard(0, 2, false);
        int a = g.acquire();
        int b = g.acquire();
        assertThat(a).isEqualTo(BackendGuard.PERMITTED);
        assertThat(b).isEqualTo(BackendGuard.PERMITTED);
        assertThat(g.acquire()).isEqualTo(BackendGuard.REFUSED_BULKHEAD);
        assertThat(g.inFlight()).isEqualTo(2);
        assertThat(g.refusal(BackendGuard.REFUSED_BULKHEAD).getMessage())
                .contains("2 requests to it are already in flight");
        g.release(a, REFUSED);
        // Without a breaker, failures change nothing.
        assertThat(g.state()).isEqualTo(BackendGuard.State.CLOSED);
        assertThat(g.acquire()).isEqualTo(BackendGuard.PERMITTED);
    }

    @Test
    void aProbeRefusedByTheBoundLeavesTheNextCallToProbe() {
        BackendGuard g = guard(1, 2, false);
        int held = g.acquire();
        fail(g); // opens; the held call is still in flight
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        int probe = g.acquire();
        assertThat(probe).isEqualTo(BackendGuard.PROBE);
        assertThat(g.inFlight()).isEqualTo(2);
        g.release(held, null); // a call from before the circuit opened does not close it
        assertThat(g.state()).isEqualTo(BackendGuard.State.HALF_OPEN);
        g.release(probe, null);
        assertThat(g.state()).isEqualTo(BackendGuard.State.CLOSED);
        assertThat(g.inFlight()).isZero();
    }

    @Test
    void hiddenWhileOpenListedAgainWhenAProbeMayGo() {
        BackendGuard g = guard(1, 0, true);
        assertThat(g.hidesTools()).isFalse();
        fail(g);
        assertThat(g.hidesTools()).isTrue();
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(g.hidesTools()).isFalse();
        assertThat(guard(1, 0, false).hidesTools()).isFalse();
    }

    @Test
    void keepsAListingCopyForOpenCircuitsWhenToolsStayListed() {
        var json = JsonNodeFactory.instance;
        BackendGuard g = guard(1, 0, false);
        var result = json.objectNode();
        result.putArray("tools").addObject().put("name", "echo");
        g.rememberListing("alice\0", JsonRpcResponse.result(json.numberNode(1), result));
        // The caller's copy is rewritten (prefixes); the kept one is not.
        ((com.fasterxml.jackson.databind.node.ObjectNode) result.get("tools").get(0)).put("name", "web__echo");
        JsonRpcResponse kept = g.listing("alice\0", json.numberNode(7));
        assertThat(kept.id().asInt()).isEqualTo(7);
        assertThat(kept.result().path("tools").get(0).path("name").asText()).isEqualTo("echo");
        assertThat(g.listing("bob\0", json.numberNode(7))).isNull();
        assertThat(guard(1, 0, true).listing("alice\0", json.numberNode(7))).isNull();
    }
}
