package dev.mcpgateway.session;

/** The session store could not be reached; the transport answers HTTP 503. */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("the session store cannot be reached: " + cause.getMessage(), cause, false, false);
    }
}
