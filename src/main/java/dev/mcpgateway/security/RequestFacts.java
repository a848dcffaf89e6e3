package dev.mcpgateway.security;

/**
 * What the gateway decided about one JSON-RPC request while answering it, for those who report it
 * afterwards (access log, metrics, the audit event stream). One instance per request (see
 * {@link Caller#forRequest()}); written by the deciding step, read once the answer is complete.
 * Each value is null until something decided it.
 */
public final class RequestFacts {

    private volatile String authorizationRule;
    private volatile String authorizationDecision;
    private volatile String rateLimitRule;
    private volatile String rateLimitDecision;

    /** Records the authorization rule that decided (null: the default) and its decision ({@code allow}/{@code deny}). */
    public void authorization(String rule, String decision) {
        this.authorizationRule = rule;
        this.authorizationDecision = decision;
    }

    /** Records the rate-limit rule that applied and its decision ({@code allowed}, {@code limited}, ...). */
    public void rateLimit(String rule, String decision) {
        this.rateLimitRule = rule;
        this.rateLimitDecision = decision;
    }

    public String authorizationRule() {
        return authorizationRule;
    }

    public String authorizationDecision() {
        return authorizationDecision;
    }

    public String rateLimitRule() {
        return rateLimitRule;
    }

    public String rateLimitDecision() {
        return rateLimitDecision;
    }
}
