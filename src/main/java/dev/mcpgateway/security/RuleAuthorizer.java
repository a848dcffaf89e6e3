package dev.mcpgateway.security;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.AuthorizationConfig;
import dev.mcpgateway.config.RouteConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.MultiMap;

/**
 * Applies a route's authorization rules ({@link AuthorizationConfig}) to each tool, prompt and
 * resource, with the rules' CEL conditions. Routes without rules allow everything. Every decision
 * on a call is logged (denials at INFO, grants at DEBUG) and every decision is counted in
 * {@code mcp_gateway_authorization_decisions_total{route, rule, outcome, kind}}.
 */
@ApplicationScoped
public class RuleAuthorizer implements ToolAuthorizer {

    private static final Logger LOG = Logger.getLogger(RuleAuthorizer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String METER = "mcp_gateway_authorization_decisions";

    private final MeterRegistry meters;

    @Inject
    public RuleAuthorizer(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public Decision decide(RouteConfig route, Principal principal, String method, String backend, String kind, String name,
            JsonNode arguments, MultiMap headers) {
        AuthorizationConfig rules = route.security().authorization();
        if (rules == null) {
            return Decision.ALLOW;
        }
        Map<String, Object> claims = claims(principal);
        AuthorizationConfig.Decision d = rules.evaluate(kind, principal.scopes(), claims, backend, name, rule -> {
            try {
                return CelPolicy.test(rule.cel(),
                        CelPolicy.variables(method, kind, backend, name, arguments, principal, headers));
            } catch (Exception e) {
                // A condition that cannot be evaluated (a missing argument, a type mismatch) does not match.
                LOG.debugf("CEL condition of rule %s did not evaluate for %s %s/%s: %s", rule.name(), kind, backend, name,
                        e.getMessage());
                return false;
            }
        });
        String outcome = d.allowed() ? "allow" : "deny";
        meters.counter(METER, "route", route.name(), "rule", d.rule(), "outcome", outcome, "kind", kind).increment();
        boolean call = arguments != null || !method.endsWith("/list");
        String who = principal.anonymous() ? "anonymous" : principal.name();
        if (!d.allowed() && call) {
            LOG.infof("Denied %s %s %s/%s to %s by rule %s%s", method, kind, backend, name, who, d.rule(),
                    d.challengeScopes().isEmpty() ? "" : " (needs scope " + String.join(" ", d.challengeScopes()) + ")");
        } else {
            LOG.debugf("%s %s %s %s/%s for %s by rule %s", d.allowed() ? "Allowed" : "Hid", method, kind, backend, name, who,
                    d.rule());
        }
        return new Decision(d.allowed(), d.rule(), d.challengeScopes());
    }

    /** The token's claims as plain Java values; converted once per principal and request. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> claims(Principal principal) {
        JsonNode c = principal.claims();
        if (c == null || !c.isObject() || c.isEmpty()) {
            return Map.of();
        }
        Cache cache = CACHE.get();
        if (cache.principal != principal) {
            cache.principal = principal;
            cache.claims = MAPPER.convertValue(c, Map.class);
        }
        return cache.claims;
    }

    private static final class Cache {
        Principal principal;
        Map<String, Object> claims;
    }

    private static final ThreadLocal<Cache> CACHE = ThreadLocal.withInitial(Cache::new);
}
