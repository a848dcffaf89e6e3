package dev.mcpgateway.security;

/** A DPoP proof the gateway does not accept; the message says why (it goes to the client). */
final class InvalidProofException extends RuntimeException {

    InvalidProofException(String message) {
        super(message, null, false, false);
    }
}
