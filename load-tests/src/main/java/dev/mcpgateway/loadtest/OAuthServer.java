package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny OAuth 2.1 authorization server that approves every request at once, for the {@code useroauth} variant
 * of {@code bench.sh}: the gateway's consent URL leads here, {@code /authorize} redirects straight back to the
 * gateway's callback with a code, and {@code /token} answers access and refresh tokens. No login form, no
 * consent page: a plain HTTP client that follows redirects completes the flow.
 *
 * <pre>
 *   oauth-server [--port 0] [--expires-in 3600] [--client-id ID] [--client-secret SECRET]
 * </pre>
 *
 * <ul>
 *   <li>{@code GET /.well-known/oauth-authorization-server} (and {@code /.well-known/openid-configuration}):
 *       RFC 8414 metadata; the issuer is {@code http://127.0.0.1:PORT}.</li>
 *   <li>{@code GET /authorize?response_type=code&client_id&redirect_uri&state&code_challenge...}: 302 to
 *       {@code redirect_uri?code=...&state=...&iss=...}. Without a {@code redirect_uri} or with another
 *       {@code response_type}: 400.</li>
 *   <li>{@code POST /token}: {@code authorization_code} (single-use code, the same {@code redirect_uri}, PKCE
 *       S256 or plain verified when a challenge was sent), {@code refresh_token} and {@code client_credentials}
 *       (the client's own token, no refresh token) grants; client authentication by HTTP Basic or form fields,
 *       checked only when {@code --client-id}/{@code --client-secret} are given.</li>
 *   <li>{@code GET /stats}: requests per endpoint and tokens issued, as JSON.</li>
 * </ul>
 *
 * <p>Binds 127.0.0.1 only and prints {@code READY port=N} on standard output once listening. Tokens are random
 * strings: the benchmark's upstreams ignore the {@code Authorization} header, so nothing has to verify them.
 */
public final class OAuthServer {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Grant(String clientId, String redirectUri, String challenge, String method, String scope) {
    }

    private final String issuer;
    private final long expiresIn;
    private final String clientId;
    private final String clientSecret;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>(); // refresh token -> scope
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    private OAuthServer(String issuer, long expiresIn, String clientId, String clientSecret) {
        this.issuer = issuer;
        this.expiresIn = expiresIn;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    public static void main(String[] args) throws IOException {
        int port = 0;
        long expiresIn = 3600;
        String clientId = null, clientSecret = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> { port = Integer.parseInt(v); i++; }
                case "--expires-in" -> { expiresIn = Long.parseLong(v); i++; }
                case "--client-id" -> { clientId = v; i++; }
                case "--client-secret" -> { clientSecret = v; i++; }
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        int actual = http.getAddress().getPort();
        OAuthServer s = new OAuthServer("http://127.0.0.1:" + actual, expiresIn, clientId, clientSecret);
        http.createContext("/", s::handle);
        http.setExecutor(Executors.newFixedThreadPool(2));
        http.start();
        System.out.println("READY port=" + actual);
        System.out.flush();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            counts.computeIfAbsent(path, k -> new AtomicLong()).incrementAndGet();
            switch (path) {
                case "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration" -> metadata(ex);
                case "/authorize" -> authorize(ex);
                case "/token" -> token(ex);
                case "/stats" -> stats(ex);
                default -> send(ex, 404, "text/plain", "not found");
            }
        } catch (RuntimeException e) {
            send(ex, 500, "text/plain", String.valueOf(e));
        }
    }

    private void metadata(HttpExchange ex) throws IOException {
        ObjectNode m = MAPPER.createObjectNode();
        m.put("issuer", issuer);
        m.put("authorization_endpoint", issuer + "/authorize");
        m.put("token_endpoint", issuer + "/token");
        m.putArray("response_types_supported").add("code");
        m.putArray("grant_types_supported").add("authorization_code").add("refresh_token").add("client_credentials");
        m.putArray("code_challenge_methods_supported").add("S256").add("plain");
        m.putArray("token_endpoint_auth_methods_supported").add("client_secret_basic").add("client_secret_post")
                .add("none");
        m.putArray("scopes_supported").add("read").add("write");
        m.put("authorization_response_iss_parameter_supported", true);
        json(ex, 200, m);
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        String redirect = q.get("redirect_uri");
        if (redirect == null || !"code".equals(q.get("response_type"))) {
            send(ex, 400, "text/plain", "expected response_type=code and a redirect_uri");
            return;
        }
        if (clientId != null && !clientId.equals(q.get("client_id"))) {
            send(ex, 400, "text/plain", "unknown client_id");
            return;
        }
        String code = random();
        codes.put(code, new Grant(q.get("client_id"), redirect, q.get("code_challenge"),
                q.getOrDefault("code_challenge_method", "plain"), q.getOrDefault("scope", "")));
        StringBuilder to = new StringBuilder(redirect).append(redirect.contains("?") ? '&' : '?')
                .append("code=").append(enc(code));
        if (q.get("state") != null) to.append("&state=").append(enc(q.get("state")));
        to.append("&iss=").append(enc(issuer));
        ex.getResponseHeaders().set("Location", to.toString());
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(302, -1);
    }

    private void token(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            send(ex, 405, "text/plain", "POST only");
            return;
        }
        Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String[] client = client(ex, f);
        if (clientId != null && (!clientId.equals(client[0]) || (clientSecret != null && !clientSecret.equals(client[1])))) {
            error(ex, 401, "invalid_client", "unknown client or wrong secret");
            return;
        }
        String grantType = f.getOrDefault("grant_type", "");
        String scope;
        switch (grantType) {
            case "authorization_code" -> {
                Grant g = codes.remove(f.getOrDefault("code", ""));
                if (g == null) {
                    error(ex, 400, "invalid_grant", "unknown or used code");
                    return;
                }
                if (!g.redirectUri().equals(f.get("redirect_uri"))) {
                    error(ex, 400, "invalid_grant", "redirect_uri differs from the authorization request's");
                    return;
                }
                if (g.challenge() != null && !pkceOk(g, f.get("code_verifier"))) {
                    error(ex, 400, "invalid_grant", "PKCE verification failed");
                    return;
                }
                scope = g.scope();
            }
            case "refresh_token" -> {
                scope = refreshTokens.get(f.getOrDefault("refresh_token", ""));
                if (scope == null) {
                    error(ex, 400, "invalid_grant", "unknown refresh token");
                    return;
                }
            }
            case "client_credentials" -> scope = f.getOrDefault("scope", "");
            default -> {
                error(ex, 400, "unsupported_grant_type", "authorization_code, refresh_token or client_credentials");
                return;
            }
        }
        counts.computeIfAbsent("tokens:" + grantType, k -> new AtomicLong()).incrementAndGet();
        ObjectNode t = MAPPER.createObjectNode();
        t.put("access_token", random());
        t.put("token_type", "Bearer");
        t.put("expires_in", expiresIn);
        if (!grantType.equals("client_credentials")) {
            String refresh = random();
            refreshTokens.put(refresh, scope);
            t.put("refresh_token", refresh);
        }
        if (!scope.isEmpty()) t.put("scope", scope);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        json(ex, 200, t);
    }

    private static boolean pkceOk(Grant g, String verifier) {
        if (verifier == null) return false;
        if ("S256".equals(g.method())) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
                return Base64.getUrlEncoder().withoutPadding().encodeToString(d).equals(g.challenge());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return verifier.equals(g.challenge());
    }

    /** {client_id, client_secret} from HTTP Basic or the form. */
    private static String[] client(HttpExchange ex, Map<String, String> f) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            if (colon >= 0) {
                return new String[] {URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8)};
            }
        }
        return new String[] {f.get("client_id"), f.get("client_secret")};
    }

    private void stats(HttpExchange ex) throws IOException {
        ObjectNode s = MAPPER.createObjectNode();
        new java.util.TreeMap<>(counts).forEach((k, v) -> s.put(k, v.get()));
        json(ex, 200, s);
    }

    private static void error(HttpExchange ex, int status, String code, String description) throws IOException {
        ObjectNode e = MAPPER.createObjectNode();
        e.put("error", code);
        e.put("error_description", description);
        json(ex, status, e);
    }

    private static void json(HttpExchange ex, int status, ObjectNode body) throws IOException {
        send(ex, status, "application/json", MAPPER.writeValueAsString(body));
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static Map<String, String> form(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String random() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
