package dev.mcpgateway.upstream;

import java.net.URI;
import java.security.cert.CertificateException;
import java.util.Locale;

import javax.net.ssl.SSLException;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.UpstreamTls;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;

/**
 * One HTTP backend's {@link UpstreamTls} as Vert.x options. An {@code https://} upstream's
 * certificate must chain to the configured CA certificates (else to the JVM's trust store) and
 * name the backend's TLS name: the configured {@code serverName}, else the URL's host. That name is
 * also sent as SNI. The TCP connection still goes to the URL's host, and the {@code Host} header
 * still names it. {@code insecureSkipVerify} accepts any certificate.
 */
final class UpstreamTlsOptions {

    private final UpstreamTls tls;
    private final boolean ssl;
    private final String serverName;

    UpstreamTlsOptions(BackendConfig backend, URI uri) {
        this.tls = backend.tls();
        this.ssl = "https".equalsIgnoreCase(uri.getScheme());
        this.serverName = ssl ? tls.serverName() : null;
    }

    boolean ssl() {
        return ssl;
    }

    /** Sets the TLS part of a client's options: encryption, trust, host name check, SNI. */
    HttpClientOptions apply(HttpClientOptions options) {
        options.setSsl(ssl);
        if (!ssl) {
            return options;
        }
        if (tls.insecureSkipVerify()) {
            options.setTrustAll(true).setVerifyHost(false);
        } else {
            options.setTrustAll(false).setVerifyHost(true);
            if (!tls.caCertificates().isEmpty()) {
                PemTrustOptions trust = new PemTrustOptions();
                for (String pem : tls.caCertificates()) {
                    trust.addCertValue(Buffer.buffer(pem));
                }
                options.setTrustOptions(trust);
            }
        }
        // Vert.x sends the request's host as SNI only when told to; without a serverName the JDK
        // sends the URL's host itself (when it is a name, not an address).
        options.setForceSni(serverName != null);
        return options;
    }

    /**
     * A request to {@code host:port} of this backend, carrying {@code headers}. With a
     * {@code serverName}, the connection goes to {@code host} while the TLS handshake (SNI and the
     * certificate check) uses the server name, and the {@code Host} header keeps naming {@code host}.
     */
    RequestOptions request(HttpMethod method, String host, int port, String pathAndQuery, MultiMap headers) {
        RequestOptions req = new RequestOptions().setMethod(method).setPort(port).setSsl(ssl).setURI(pathAndQuery);
        if (serverName != null && !serverName.equalsIgnoreCase(host)) {
            req.setServer(SocketAddress.inetSocketAddress(port, host)).setHost(serverName);
            headers.set(HttpHeaders.HOST, port == (ssl ? 443 : 80) ? host : host + ":" + port);
        } else {
            req.setHost(host);
        }
        return req.setHeaders(headers);
    }

    /** {@link #request(HttpMethod, String, int, String, MultiMap)} to an absolute URL of this backend. */
    RequestOptions request(HttpMethod method, URI target, MultiMap headers) {
        int port = target.getPort() > 0 ? target.getPort() : "https".equalsIgnoreCase(target.getScheme()) ? 443 : 80;
        String path = (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
        return request(method, target.getHost(), port, path, headers);
    }

    /**
     * What went wrong, said plainly when the TLS handshake failed (the JDK's words stay at the end);
     * null when the failure had nothing to do with TLS.
     */
    String handshakeFailure(Throwable failure) {
        SSLException ssl = null;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (ssl == null && t instanceof SSLException e) {
                ssl = e;
            }
            root = t;
        }
        if (ssl == null) {
            return null;
        }
        String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        String lower = detail.toLowerCase(Locale.ROOT);
        String why;
        if (lower.contains("no subject alternative") || lower.contains("doesn't match") || lower.contains("no name matching")) {
            why = "its certificate is not for " + (serverName != null ? "the server name " + serverName : "this host")
                    + " (set the backend's TLS server name to a name the certificate holds)";
        } else if (lower.contains("unable to find valid certification path") || lower.contains("path building failed")) {
            why = "its certificate is not trusted (" + (tls.caCertificates().isEmpty()
                    ? "no CA certificates are configured for this backend, and the system trust store does not vouch for it"
                    : "it does not chain to the CA certificates configured for this backend") + ")";
        } else if (root instanceof CertificateException || lower.contains("certificate")) {
            why = "its certificate was refused";
        } else {
            why = "the TLS handshake failed";
        }
        return why + ": " + detail;
    }
}
