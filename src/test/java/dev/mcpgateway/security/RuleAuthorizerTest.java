package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.AuthorizationConfig;
import dev.mcpgateway.config.AuthorizationConfig.Action;
import dev.mcpgateway.config.AuthorizationConfig.Rule;
import dev.mcpgateway.config.AuthorizationConfig.ToolTarget;
import dev.mcpgateway.config.PrefixMode;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.MultiMap;

/** Rules over kinds, wildcards and CEL conditions; decisions counted by rule and outcome. */
class RuleAuthorizerTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RuleAuthorizer authorizer = new RuleAuthorizer(meters);

    static RouteConfig route(Action dflt, Rule... rules) {
        return new RouteConfig("r", "/mcp", PrefixMode.ALWAYS, List.of(),
                new RouteSecurity(null, null, new AuthorizationConfig(dflt, List.of(rules))));
    }

    static Principal principal(String claims, String... scopes) throws Exception {
        return new Principal("p", Set.of(scopes), MAPPER.readTree(claims), null);
    }

    static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    @Test
    void celSeesArgumentsClaimsAndHeaders() throws Exception {
        RouteConfig route = route(Action.DENY,
                new Rule(null, List.of(new ToolTarget("bank", "transfer")), Action.ALLOW, "small", List.of(), List.of(),
                        "arguments.amount <= 100 && claims.org.tier == 'gold' && headers['x-env'] == 'test'"
                                + " && 'pay' in scopes && method == 'tools/call'"));
        Principal gold = principal("{\"org\":{\"tier\":\"gold\"}}", "pay");
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Env", "test");
        assertThat(authorizer.decide(route, gold, "tools/call", "bank", "tool", "transfer", json("{\"amount\":100}"),
                headers).allowed()).isTrue();
        assertThat(authorizer.decide(route, gold, "tools/call", "bank", "tool", "transfer", json("{\"amount\":99.5}"),
                headers).allowed()).as("decimals compare with integers").isTrue();
        assertThat(authorizer.decide(route, gold, "tools/call", "bank", "tool", "transfer", json("{\"amount\":100.5}"),
                headers).allowed()).isFalse();
        assertThat(authorizer.decide(route, gold, "tools/call", "bank", "tool", "transfer", json("{}"), headers).allowed())
                .as("a condition that cannot be evaluated does not match").isFalse();
        assertThat(authorizer.decide(route, principal("{\"org\":{\"tier\":\"silver\"}}", "pay"), "tools/call", "bank", "tool",
                "transfer", json("{\"amount\":1}"), headers).allowed()).isFalse();
        assertThat(meters.counter(RuleAuthorizer.METER, "route", "r", "rule", "small", "outcome", "allow", "kind", "tool")
                .count()).isEqualTo(2.0);
        assertThat(meters.counter(RuleAuthorizer.METER, "route", "r", "rule", "default", "outcome", "deny", "kind", "tool")
                .count()).isEqualTo(3.0);
    }

    @Test
    void rulesApplyToTheirKindAndWildcards() throws Exception {
        RouteConfig route = route(Action.DENY,
                new Rule(null, List.of(), Action.ALLOW, "prompts", List.of(new ToolTarget("*", "*")), List.of(), null),
                new Rule(null, List.of(new ToolTarget("fs", "*")), Action.ALLOW));
        Principal p = principal("{}");
        assertThat(authorizer.decide(route, p, "prompts/get", "any", "prompt", "x", null, null).allowed()).isTrue();
        assertThat(authorizer.decide(route, p, "tools/call", "fs", "tool", "read", null, null).allowed()).isTrue();
        assertThat(authorizer.decide(route, p, "tools/call", "db", "tool", "read", null, null).allowed()).isFalse();
        assertThat(authorizer.decide(route, p, "resources/read", "fs", "resource", "file:///x", null, null).allowed())
                .isFalse();
    }

    @Test
    void deniedWithTheScopesThatWouldHelp() throws Exception {
        RouteConfig route = route(Action.DENY, new Rule(new AuthorizationConfig.JwtSource(List.of("admin"), List.of()),
                List.of(new ToolTarget("ops", "restart")), Action.ALLOW));
        ToolAuthorizer.Decision d = authorizer.decide(route, principal("{}", "user"), "tools/call", "ops", "tool", "restart",
                json("{}"), null);
        assertThat(d.allowed()).isFalse();
        assertThat(d.scopes()).containsExactly("admin");
    }

    @Test
    void routesWithoutRulesAllowEverything() throws Exception {
        RouteConfig open = new RouteConfig("r", "/mcp", PrefixMode.ALWAYS, List.of());
        assertThat(authorizer.decide(open, Principal.ANONYMOUS, "tools/call", "a", "tool", "b", null, null).allowed())
                .isTrue();
    }

    @Test
    void invalidCelIsReported() {
        assertThatThrownBy(() -> CelPolicy.check("arguments.amount <")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid CEL");
        assertThatThrownBy(() -> CelPolicy.check("method")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void apiKeysCompareWholeKeys() {
        ApiKeys keys = new ApiKeys(java.util.Map.of("ci", "0123456789abcdef", "ops", "fedcba9876543210"));
        assertThat(keys.match("0123456789abcdef")).isEqualTo("ci");
        assertThat(keys.match("fedcba9876543210")).isEqualTo("ops");
        assertThat(keys.match("0123456789abcde")).isNull();
        assertThat(keys.match("0123456789abcdefX")).isNull();
        assertThat(keys.match("")).isNull();
        assertThat(keys.match(null)).isNull();
    }
}
