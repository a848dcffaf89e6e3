package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The canonical form of arguments in the result cache's key. */
class ResultCacheKeyTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static String canonical(String json) throws Exception {
        StringBuilder sb = new StringBuilder();
        ResultCache.canonical(JSON.readTree(json), sb);
        return sb.toString();
    }

    @Test
    void keysAreSortedAtEveryDepthAndArraysKeepTheirOrder() throws Exception {
        assertThat(canonical("{\"b\": [{\"y\": 1, \"x\": 2}, 3], \"a\": \"\\u00e9\\\"\", \"c\": {\"z\": null, \"k\": true}}"))
                .isEqualTo("{\"a\":\"é\\\"\",\"b\":[{\"x\":2,\"y\":1},3],\"c\":{\"k\":true,\"z\":null}}");
        assertThat(canonical("{\"a\": 1, \"b\": 2}")).isEqualTo(canonical("{\"b\": 2, \"a\": 1}"));
        assertThat(canonical("[1, 2]")).isNotEqualTo(canonical("[2, 1]"));
        // Keys that only differ once escaped stay apart.
        assertThat(canonical("{\"a,b\": 1}")).isNotEqualTo(canonical("{\"a\": 1, \"b\": 1}"));
    }
}
