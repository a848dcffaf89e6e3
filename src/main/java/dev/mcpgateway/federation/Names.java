package dev.mcpgateway.federation;

/**
 * Reversible renaming between what a client sees and what a backend knows. Tool and prompt names
 * become {@code <backend>__<name>}, split on the first {@code __} on the way back (backend names
 * never contain one). Resource URIs become {@code mcpgw://<backend>/<original uri>}, which is
 * still a valid URI (and URI template) and reverses by a prefix strip.
 */
final class Names {

    static final String SEPARATOR = "__";
    static final String URI_SCHEME = "mcpgw://";

    private Names() {
    }

    /** A name the client sees, split into backend and the backend's own name. */
    record Qualified(String backend, String name) {
    }

    static String prefixName(String backend, String name) {
        return backend + SEPARATOR + name;
    }

    /** Null when the name carries no backend prefix. */
    static Qualified splitName(String qualified) {
        int i = qualified.indexOf(SEPARATOR);
        if (i <= 0 || i + SEPARATOR.length() >= qualified.length()) {
            return null;
        }
        return new Qualified(qualified.substring(0, i), qualified.substring(i + SEPARATOR.length()));
    }

    static String prefixUri(String backend, String uri) {
        return URI_SCHEME + backend + "/" + uri;
    }

    /** Null when the URI is not one the gateway rewrote. */
    static Qualified splitUri(String uri) {
        if (!uri.startsWith(URI_SCHEME)) {
            return null;
        }
        int slash = uri.indexOf('/', URI_SCHEME.length());
        if (slash <= URI_SCHEME.length()) {
            return null;
        }
        return new Qualified(uri.substring(URI_SCHEME.length(), slash), uri.substring(slash + 1));
    }
}
