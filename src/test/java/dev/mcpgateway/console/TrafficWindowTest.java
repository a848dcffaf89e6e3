package dev.mcpgateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The traffic window's buckets, percentiles and ring of intervals. */
class TrafficWindowTest {

    @Test
    void bucketsAreAtMostAQuarterWide() {
        int previous = -1;
        for (long micros = 0; micros < 5_000_000; micros = micros < 100 ? micros + 1 : micros * 101 / 100) {
            int b = TrafficWindow.bucket(micros);
            assertThat(b).isGreaterThanOrEqualTo(previous);
            previous = b;
            if (micros >= 4) {
                double mid = TrafficWindow.middle(b);
                assertThat(Math.abs(mid - micros) / micros).as("%d us in bucket %d (middle %f)", micros, b, mid)
                        .isLessThanOrEqualTo(0.125);
            }
        }
        assertThat(TrafficWindow.bucket(Long.MAX_VALUE / 1000)).isEqualTo(TrafficWindow.BUCKETS - 1);
        assertThat(TrafficWindow.bucket(-5)).isZero();
    }

    @Test
    void percentilesComeFromEachInterval() {
        AtomicLong now = new AtomicLong(1_000_000 * TrafficWindow.INTERVAL_MILLIS);
        TrafficWindow w = new TrafficWindow(now::get);
        for (int i = 1; i <= 100; i++) {
            w.request("tools/call", "alpha", i == 100 ? "error" : "ok", i * 1_000_000L);
        }
        w.upstream("alpha", "timeout", 50_000_000L);
        now.addAndGet(TrafficWindow.INTERVAL_MILLIS);
        w.request("tools/list", "*", "ok", 2_000_000L);
        ObjectNode s = w.snapshot(1);
        assertThat(s.path("t").size()).isEqualTo(12);
        ObjectNode call = (ObjectNode) s.path("methods").path("tools/call");
        int last = 11;
        assertThat(call.path("rps").get(last - 1).asDouble()).isEqualTo(20.0);
        assertThat(call.path("errors").get(last - 1).asLong()).isEqualTo(1);
        assertThat(call.path("p50").get(last - 1).asDouble()).isBetween(44.0, 56.0);
        assertThat(call.path("p99").get(last - 1).asDouble()).isBetween(87.0, 112.0);
        assertThat(call.path("rps").get(last).asDouble()).isZero();
        assertThat(s.path("total").path("requests").asLong()).isEqualTo(101);
        assertThat(s.path("backends").path("alpha").path("errorCount").asLong()).isEqualTo(1);
        assertThat(w.lastError("alpha").outcome()).isEqualTo("timeout");
    }

    @Test
    void aReusedSlotForgetsItsOldInterval() {
        AtomicLong now = new AtomicLong(7 * TrafficWindow.INTERVAL_MILLIS);
        TrafficWindow w = new TrafficWindow(now::get);
        w.request("ping", "-", "ok", 1_000);
        now.addAndGet(TrafficWindow.SLOTS * TrafficWindow.INTERVAL_MILLIS);
        w.request("ping", "-", "ok", 1_000);
        w.request("ping", "-", "ok", 1_000);
        ObjectNode s = w.snapshot(60);
        assertThat(s.path("methods").path("ping").path("requests").asLong()).isEqualTo(2);
    }

    /** Not a benchmark: prints what one recorded request costs here, for the docs. */
    @Test
    void recordingIsCheap() {
        TrafficWindow w = new TrafficWindow();
        String[] methods = {"tools/call", "tools/list", "ping", "resources/read"};
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            int n = 2_000_000;
            for (int i = 0; i < n; i++) {
                w.request(methods[i & 3], "alpha", "ok", 1_000_000L + i);
                w.upstream("alpha", "ok", 900_000L + i);
            }
            long perRequest = (System.nanoTime() - start) / n;
            System.out.printf("TrafficWindow: %d ns per client request + upstream request recorded%n", perRequest);
        }
        assertThat(w.snapshot(1).path("total").path("requests").asLong()).isPositive();
    }
}
