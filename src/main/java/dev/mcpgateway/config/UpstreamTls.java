package dev.mcpgateway.config;

import java.util.List;

/**
 * How the gateway checks an HTTPS upstream's certificate. Only meaningful when the backend's URL
 * is {@code https://}.
 *
 * @param caCertificates PEM certificates to trust instead of the JVM's default trust store; empty
 *        means the default (system) trust store
 * @param serverName the host name to send as SNI and to verify the certificate against; null means
 *        the URL's host
 * @param insecureSkipVerify accept any certificate (development only)
 */
public record UpstreamTls(List<String> caCertificates, String serverName, boolean insecureSkipVerify) {

    /** Verify against the system trust store and the URL's host. */
    public static final UpstreamTls DEFAULT = new UpstreamTls(List.of(), null, false);

    public boolean isDefault() {
        return caCertificates.isEmpty() && serverName == null && !insecureSkipVerify;
    }
}
