package dev.mcpgateway.testing;

import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a consent link as a browser would: follows redirects with its own cookie jar, and when
 * Keycloak shows its login form, submits the user's name and password. Each browser is one user's:
 * a second link it opens passes Keycloak's login by its session cookie, with plain redirects only.
 */
public final class ConsentBrowser {

    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"",
            Pattern.DOTALL);
    private static final Pattern ACTION_FIRST = Pattern.compile("<form[^>]*action=\"([^\"]+)\"[^>]*id=\"kc-form-login\"",
            Pattern.DOTALL);

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * Cookies by host, then name. A jar of its own: the JDK's withholds {@code Secure} cookies over
     * http, which a browser sends to 127.0.0.1 (a secure context).
     */
    private final Map<String, Map<String, String>> cookies = new ConcurrentHashMap<>();
    private final String user;
    private final String password;
    /** Every URL this browser requested, in order. */
    public final List<String> visited = new ArrayList<>();
    /** How many login forms it submitted. */
    public int logins;

    public ConsentBrowser(String user, String password) {
        this.user = user;
        this.password = password;
    }

    /** Opens {@code url} and answers the last page (after redirects and at most one login). */
    public HttpResponse<String> open(String url) throws Exception {
        HttpResponse<String> res = get(url);
        boolean submitted = false;
        for (int hops = 0; hops < 10; hops++) {
            if (res.statusCode() / 100 == 3) {
                res = get(res.uri().resolve(res.headers().firstValue("Location").orElseThrow()).toString());
                continue;
            }
            String action = loginAction(res.body());
            // One login per page load; a form shown again (a refused password) is the answer.
            if (action != null && !submitted) {
                submitted = true;
                logins++;
                String form = "username=" + enc(user) + "&password=" + enc(password) + "&credentialId=";
                visited.add("POST " + action);
                res = send(HttpRequest.newBuilder(res.uri().resolve(action)).timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)));
                continue;
            }
            return res;
        }
        throw new IllegalStateException("too many redirects: " + visited);
    }

    private HttpResponse<String> get(String url) throws Exception {
        visited.add("GET " + url);
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        HttpRequest req = b.build();
        Map<String, String> jar = cookies.computeIfAbsent(req.uri().getHost(), h -> new ConcurrentHashMap<>());
        if (!jar.isEmpty()) {
            b.header("Cookie", jar.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .reduce((x, y) -> x + "; " + y).orElseThrow());
            req = b.build();
        }
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        for (String set : res.headers().allValues("Set-Cookie")) {
            for (HttpCookie c : HttpCookie.parse(set)) {
                if (c.getMaxAge() == 0 || c.getValue().isEmpty()) {
                    jar.remove(c.getName());
                } else {
                    jar.put(c.getName(), c.getValue());
                }
            }
        }
        return res;
    }

    /** The action of Keycloak's login form on the page, or null. */
    static String loginAction(String body) {
        if (body == null) {
            return null;
        }
        Matcher m = FORM_ACTION.matcher(body);
        if (!m.find()) {
            m = ACTION_FIRST.matcher(body);
            if (!m.find()) {
                return null;
            }
        }
        return m.group(1).replace("&amp;", "&");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
