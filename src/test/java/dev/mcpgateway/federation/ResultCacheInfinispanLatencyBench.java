package dev.mcpgateway.federation;

import java.net.URI;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.InfinispanServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@link ResultCacheLatencyBench} with the Infinispan store (a real two-node cluster): hits are Hot Rod reads. */
@QuarkusTest
@WithTestResource(ResultCacheLatencyBench.Config.class)
@WithTestResource(InfinispanServers.class)
class ResultCacheInfinispanLatencyBench {

    @TestHTTPResource("/mcp")
    URI gateway;

    @Test
    void hitsAgainstMisses() throws Exception {
        new ResultCacheLatencyBench.Run(gateway).measure("Infinispan store (2 nodes)");
    }
}
