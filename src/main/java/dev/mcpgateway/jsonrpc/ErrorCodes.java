package dev.mcpgateway.jsonrpc;

/** Every JSON-RPC error code the gateway sends. */
public final class ErrorCodes {

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;

    /** The Mcp-Session-Id names no live session (sent with HTTP 404). */
    public static final int SESSION_NOT_FOUND = -32001;

    /** An upstream could not be reached, failed, or answered something that is not JSON-RPC. */
    public static final int UPSTREAM_UNAVAILABLE = -32010;
    /** An upstream did not answer within its timeout. */
    public static final int UPSTREAM_TIMEOUT = -32011;
    /** An authorization rule refused the call (and no scope would help). */
    public static final int FORBIDDEN = -32003;
    /**
     * A rate-limit rule of the route refused the request ({@code error.data.retryAfterSeconds} says
     * when to try again; HTTP 429 with {@code Retry-After} in revision 2026-07-28). The upstream was
     * not called.
     */
    public static final int RATE_LIMITED = -32029;
    /** The client cancelled the request (the answer it will ignore). */
    public static final int REQUEST_CANCELLED = -32800;
    /**
     * MCP 2025-11-25 URLElicitationRequiredError: the request needs the user to open a URL first (a
     * {@code user_oauth} backend the caller has not connected); {@code data.elicitations} names it.
     */
    public static final int URL_ELICITATION_REQUIRED = -32042;
    /** The same as {@link #URL_ELICITATION_REQUIRED} for a client that did not declare {@code elicitation.url}. */
    public static final int USER_CONSENT_REQUIRED = -32013;
    /** MCP: the requested resource does not exist (used by SDKs before 2026-07-28). */
    public static final int RESOURCE_NOT_FOUND = -32002;

    /** 2026-07-28: HTTP headers and body disagree, or a required header is missing (HTTP 400). */
    public static final int HEADER_MISMATCH = -32020;
    /** 2026-07-28: the request needs a client capability the client did not declare (HTTP 400). */
    public static final int MISSING_CLIENT_CAPABILITY = -32021;
    /** 2026-07-28: the requested protocol version is not spoken here (HTTP 400). */
    public static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

    private ErrorCodes() {
    }
}
