package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Defect 8: with backends {@code ev} and {@code ev_}, {@code ev_}'s tool {@code x} was listed as
 * {@code ev___x} and routed to backend {@code ev}, tool {@code _x}, because names are split on the
 * first {@code __}. Both formats refuse such names at load.
 */
class BackendNamesTest {

    static GatewayModel json(String servers) throws ConfigException {
        return McpServersParser.parse("servers.json", "{\"mcpServers\": {" + servers + "}}", Map.<String, String>of()::get);
    }

    static GatewayModel yaml(String refs) throws ConfigException {
        return McpRouteParser.parse("routes.yaml", McpRouteParserTest.ROUTE_HEAD + refs.indent(2),
                Map.<String, String>of()::get);
    }

    @Test
    void mcpServersRefusesANameEndingWithAnUnderscore() {
        assertThatThrownBy(() -> json("\"ev\": {\"command\": \"a\"}, \"ev_\": {\"command\": \"b\"}"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("servers.json: server \"ev_\"")
                .hasMessageContaining("end with \"_\"");
        assertThatThrownBy(() -> json("\"_ev\": {\"command\": \"a\"}")).hasMessageContaining("server \"_ev\"");
        assertThatThrownBy(() -> json("\"a__b\": {\"command\": \"a\"}")).hasMessageContaining("server \"a__b\"")
                .hasMessageContaining("\"__\"");
    }

    @Test
    void mcpRouteRefusesANameEndingWithAnUnderscore() {
        assertThatThrownBy(() -> yaml("backendRefs: [{name: ev, port: 1}, {name: ev_, port: 2}]"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("spec.backendRefs[1].name: \"ev_\"").hasMessageContaining("end with \"_\"");
        assertThatThrownBy(() -> yaml("backendRefs: [{name: _ev, port: 1}]"))
                .hasMessageContaining("spec.backendRefs[0].name: \"_ev\"");
    }

    /**
     * Resource URIs carry the backend name as the host of {@code mcpgw://<backend>/...}, and hosts
     * compare case-insensitively (RFC 3986 section 3.2.2): a client that normalises the URI would
     * reach the other backend.
     */
    @Test
    void namesThatDifferOnlyInCaseAreRefusedInBothFormats() {
        assertThatThrownBy(() -> json("\"github\": {\"command\": \"a\"}, \"GitHub\": {\"command\": \"b\"}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server \"GitHub\"")
                .hasMessageContaining("\"github\"");
        assertThatThrownBy(() -> yaml("backendRefs: [{name: github, port: 1}, {name: GitHub, port: 2}]"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("spec.backendRefs[1].name: \"GitHub\"")
                .hasMessageContaining("\"github\"");
    }

    /** The proof in {@link BackendRules}, run: a valid name is exactly what precedes the first {@code __}. */
    @Test
    void aValidPrefixIsRecoveredBySplittingOnTheFirstSeparator() throws Exception {
        List<String> backends = List.of("a", "ev", "e.v", "e-v", "e_v", "a_b_c", "x9", "A.b-c_d");
        List<String> tools = List.of("x", "_x", "__x", "x__y", "_", "a_", "___");
        for (String b : backends) {
            json("\"" + b + "\": {\"command\": \"c\"}");
            for (String t : tools) {
                String listed = b + "__" + t;
                int split = listed.indexOf("__");
                assertThat(listed.substring(0, split)).as(listed).isEqualTo(b);
                assertThat(listed.substring(split + 2)).as(listed).isEqualTo(t);
            }
        }
    }
}
