package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpServersParser;

class NamesTest {

    @Test
    void prefixedNameSplitsBackOnTheFirstSeparator() {
        for (String tool : List.of("echo", "get_sum", "get__sum", "__leading", "trailing__", "_", "a___b", "ünï€ode", "x")) {
            String qualified = Names.prefixName("alpha", tool);

            assertThat(qualified).isEqualTo("alpha__" + tool);
            assertThat(Names.splitName(qualified)).isEqualTo(new Names.Qualified("alpha", tool));
        }
    }

    @Test
    void backendNamesWithSingleUnderscoresDotsAndDashesSplitBack() {
        for (String backend : List.of("a_b", "a.b", "a-b", "A1", "a_b_c")) {
            assertThat(Names.splitName(Names.prefixName(backend, "t"))).isEqualTo(new Names.Qualified(backend, "t"));
        }
    }

    @Test
    void namesWithoutABackendPrefixAreNotSplit() {
        for (String name : List.of("echo", "", "_", "__", "___", "__echo", "alpha__", "alpha_echo", "alpha_ _echo")) {
            assertThat(Names.splitName(name)).as("'%s'", name).isNull();
        }
    }

    /**
     * Every backend name a config file may give must survive prefix and split, or the tools of that
     * backend cannot be called with prefixed names. Names ending in {@code _} used to be accepted:
     * {@code x___t} split as backend {@code x}, tool {@code _t}. The config now refuses them (and
     * names with {@code __} or a leading {@code _}); every name it accepts splits back.
     */
    @Test
    void everyBackendNameTheConfigAcceptsSplitsBack() throws Exception {
        List<String> accepted = new ArrayList<>();
        for (String backend : List.of("x_", "a_b_", "x", "a.b_", "_x", "a__b", "a_b", "a.b", "A-1_z", "x9_.")) {
            String json = "{\"mcpServers\": {\"" + backend + "\": {\"url\": \"http://127.0.0.1:1/mcp\"}}}";
            try {
                McpServersParser.parse("servers.json", json, name -> null);
            } catch (ConfigException refused) {
                continue; // a name the config refuses cannot be misrouted
            }
            accepted.add(backend);
            for (String tool : List.of("t", "_t", "__t", "t_", "t__u")) {
                assertThat(Names.splitName(Names.prefixName(backend, tool))).as(backend + " " + tool)
                        .isEqualTo(new Names.Qualified(backend, tool));
            }
        }
        assertThat(accepted).containsExactly("x", "a_b", "a.b", "A-1_z", "x9_.");
    }

    @Test
    void threeUnderscoresSplitAfterTheFirstTwo() {
        assertThat(Names.splitName("a___b")).isEqualTo(new Names.Qualified("a", "_b"));
    }

    @Test
    void prefixedUriIsAValidUriAndSplitsBack() {
        for (String uri : List.of("demo://resource/static/document/architecture.md", "file:///tmp/a b.txt",
                "https://example.com/x?y=1#z", "test://static/resource/{id}", "urn:isbn:0451450523", "mcpgw://x/y", "",
                "relative/path")) {
            String rewritten = Names.prefixUri("alpha", uri);

            assertThat(rewritten).startsWith("mcpgw://alpha/");
            assertThat(Names.splitUri(rewritten)).isEqualTo(new Names.Qualified("alpha", uri));
        }
        // Rewriting twice unwraps one layer at a time.
        String twice = Names.prefixUri("beta", Names.prefixUri("alpha", "demo://r"));
        assertThat(Names.splitUri(twice)).isEqualTo(new Names.Qualified("beta", "mcpgw://alpha/demo://r"));
    }

    @Test
    void urisTheGatewayDidNotRewriteAreNotSplit() {
        for (String uri : List.of("demo://resource", "mcpgw://", "mcpgw:///x", "mcpgw://alpha", "MCPGW://alpha/x",
                "mcpgw:/alpha/x", "")) {
            assertThat(Names.splitUri(uri)).as(uri).isNull();
        }
    }

    @Test
    void aUriWithAnEmptyOriginalSplitsToAnEmptyName() {
        assertThat(Names.splitUri("mcpgw://alpha/")).isEqualTo(new Names.Qualified("alpha", ""));
    }
}
