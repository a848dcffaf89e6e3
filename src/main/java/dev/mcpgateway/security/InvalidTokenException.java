package dev.mcpgateway.security;

/** A bearer token the gateway does not accept; the message says why (it goes to the client). */
public final class InvalidTokenException extends RuntimeException {

    InvalidTokenException(String message) {
        super(message, null, false, false);
    }
}
