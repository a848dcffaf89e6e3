package dev.mcpgateway.security;

/**
 * A request the gateway refuses before it reaches the MCP layer: the transport answers with this
 * status, this {@code WWW-Authenticate} header (when not null) and the message as a JSON-RPC error.
 */
public final class AuthenticationFailure extends RuntimeException {

    private final int status;
    private final java.util.List<String> challenges;

    public AuthenticationFailure(int status, String wwwAuthenticate, String message) {
        this(status, wwwAuthenticate == null ? java.util.List.of() : java.util.List.of(wwwAuthenticate), message);
    }

    private AuthenticationFailure(int status, java.util.List<String> challenges, String message) {
        super(message, null, false, false);
        this.status = status;
        this.challenges = java.util.List.copyOf(challenges);
    }

    /** A refusal with several challenges, one {@code WWW-Authenticate} header each (e.g. Bearer and DPoP). */
    public static AuthenticationFailure withChallenges(int status, java.util.List<String> challenges, String message) {
        return new AuthenticationFailure(status, challenges, message);
    }

    public int status() {
        return status;
    }

    /** The first challenge, or null. */
    public String wwwAuthenticate() {
        return challenges.isEmpty() ? null : challenges.get(0);
    }

    /** Every challenge, in order. */
    public java.util.List<String> challenges() {
        return challenges;
    }
}
