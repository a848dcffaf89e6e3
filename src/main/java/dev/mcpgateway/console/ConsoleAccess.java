package dev.mcpgateway.console;

import java.net.InetAddress;
import java.net.UnknownHostException;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.security.ApiKeys;
import dev.mcpgateway.security.InvalidTokenException;
import dev.mcpgateway.security.TokenValidator;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Who may use the console: a holder of an admin API key, or of a bearer token with the admin
 * scope issued for the configured route. With neither configured, only callers on this machine,
 * and only when the gateway listens on a loopback address: a console without credentials is never
 * served on a public interface.
 */
@Singleton
class ConsoleAccess {

    private static final Logger LOG = Logger.getLogger(ConsoleAccess.class);
    static final String KEY_HEADER = "X-Console-Key";

    /** Why a request was refused: the HTTP status, a challenge (or null) and a message. */
    record Refusal(int status, String challenge, String message) {
    }

    /** A request the console serves (name is the admin's name, for the log). */
    record Admin(String name) {
    }

    private final ConsoleConfig config;
    private final TokenValidator tokens;
    private final RouteTable routes;
    private final ApiKeys keys;
    private final boolean loopbackListener;
    private final String host;

    @Inject
    ConsoleAccess(ConsoleConfig config, TokenValidator tokens, RouteTable routes,
            @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0") String host) {
        this.config = config;
        this.tokens = tokens;
        this.routes = routes;
        this.keys = new ApiKeys(config.apiKeys());
        this.host = host;
        this.loopbackListener = loopback(host);
    }

    /** Whether any credential is configured. */
    boolean credentials() {
        return !config.apiKeys().isEmpty() || config.oauthScope().isPresent();
    }

    /** Null when the console may be served at all; otherwise why not (every request gets it). */
    Refusal unavailable() {
        if (credentials() || loopbackListener) {
            return null;
        }
        return new Refusal(403, null, "The console has no credentials configured (mcp-gateway.console.api-keys or "
                + "mcp-gateway.console.oauth-scope) and the gateway listens on " + host
                + ", not a loopback address: configure a credential or bind quarkus.http.host to 127.0.0.1");
    }

    void logMode() {
        Refusal r = unavailable();
        if (r != null) {
            LOG.warn(r.message());
        } else if (!credentials()) {
            LOG.infof("Console at /console without credentials: served to loopback callers only (listener %s)", host);
        } else {
            LOG.infof("Console at /console: %d admin key(s)%s", config.apiKeys().size(),
                    config.oauthScope().map(s -> ", OAuth scope " + s).orElse(""));
        }
    }

    /** The admin behind a request, or a failed future with the {@link Refusal} to send. */
    Future<Admin> check(HttpServerRequest request) {
        Refusal off = unavailable();
        if (off != null) {
            return Future.failedFuture(new Refused(off));
        }
        if (!credentials()) {
            InetAddress remote = remoteAddress(request);
            return remote != null && remote.isLoopbackAddress() ? Future.succeededFuture(new Admin("local"))
                    : refuse(403, null, "Forbidden: the console without credentials serves loopback callers only");
        }
        String key = request.getHeader(KEY_HEADER);
        String authorization = request.getHeader("Authorization");
        String bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : null;
        if (key == null && bearer != null && !config.apiKeys().isEmpty()) {
            String name = keys.match(bearer);
            if (name != null) {
                return Future.succeededFuture(new Admin(name));
            }
        }
        if (key != null) {
            String name = keys.match(key.trim());
            if (name != null) {
                return Future.succeededFuture(new Admin(name));
            }
            LOG.warnf("Refused an invalid console key from %s", request.remoteAddress());
            return refuse(401, challenge(null), "Unauthorized: invalid console key");
        }
        if (bearer == null) {
            return refuse(401, challenge(null), "Unauthorized: an admin key (" + KEY_HEADER + ") or bearer token is required");
        }
        OAuthConfig oauth = oauth();
        if (oauth == null) {
            return refuse(401, challenge("invalid_token"), "Unauthorized: invalid console key");
        }
        String scope = config.oauthScope().get();
        return tokens.validate(oauth, bearer).recover(t -> t instanceof InvalidTokenException
                ? refuse(401, challenge("invalid_token"), "Unauthorized: " + t.getMessage())
                : refuse(503, null, "Service Unavailable: the authorization server cannot be reached"))
                .compose(p -> p.scopes().contains(scope) ? Future.succeededFuture(new Admin(p.name()))
                        : refuse(403, "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"",
                                "Forbidden: the token lacks scope " + scope));
    }

    /** The OAuth settings console tokens are validated with, or null when there are none. */
    private OAuthConfig oauth() {
        if (config.oauthScope().isEmpty()) {
            return null;
        }
        for (RouteConfig r : routes.routeConfigs()) {
            boolean named = config.oauthRoute().map(n -> n.equals(r.name()) || n.equals(r.path())).orElse(true);
            if (named && r.security().oauth() != null) {
                return r.security().oauth();
            }
        }
        return null;
    }

    private String challenge(String error) {
        StringBuilder sb = new StringBuilder();
        if (!config.apiKeys().isEmpty()) {
            sb.append("ApiKey realm=\"mcp-gateway-console\"");
        }
        if (config.oauthScope().isPresent()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append("Bearer realm=\"mcp-gateway-console\", scope=\"").append(config.oauthScope().get()).append('"');
            if (error != null) {
                sb.append(", error=\"").append(error).append('"');
            }
        }
        return sb.toString();
    }

    private static <T> Future<T> refuse(int status, String challenge, String message) {
        return Future.failedFuture(new Refused(new Refusal(status, challenge, message)));
    }

    private static InetAddress remoteAddress(HttpServerRequest request) {
        if (request.remoteAddress() == null || request.remoteAddress().hostAddress() == null) {
            return null;
        }
        try {
            return InetAddress.getByName(request.remoteAddress().hostAddress());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether a listener host accepts loopback connections only. */
    static boolean loopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        // A literal address only: resolving a name here could ask DNS.
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A refusal carried by a failed future. */
    static final class Refused extends RuntimeException {
        final Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }
    }
}
