package dev.mcpgateway.grants;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.security.RecordingUpstream;
import dev.mcpgateway.testing.ConsentBrowser;
import dev.mcpgateway.testing.UserOAuthGateway;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Calling an upstream as the user, with real peers: Keycloak's realm {@code thirdparty} is the
 * upstream's own authorization server, the upstream accepts only its tokens and reports whom it
 * sees, and consent is given as a browser gives it (redirects, Keycloak's login form). Two users,
 * each seeing only their own identity upstream; revocation; forged, replayed and expired links;
 * a refresh after the access token expired (the realm's tokens live 6 s).
 */
@QuarkusTest
@WithTestResource(UserOAuthGateway.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserOAuthKeycloakTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String URL_CAPS = "{\"elicitation\":{\"form\":{},\"url\":{}}}";
    private static final ConsentBrowser ALICE_BROWSER = new ConsentBrowser("alice", "alice-upstream-password");
    private static final ConsentBrowser BOB_BROWSER = new ConsentBrowser("bob", "bob-upstream-password");

    @Test
    @Order(1)
    void withoutAGrantTheToolsAreListedAndACallAsksForConsentByUrlElicitation() throws Exception {
        String session = initialize(UserOAuthGateway.ALICE_KEY, URL_CAPS);
        JsonNode tools = rpc(UserOAuthGateway.ALICE_KEY, session, "tools/list", "{}");
        assertThat(tools.findValuesAsText("name")).contains("secure__whoami", "plain__echo");

        JsonNode error = rpc(UserOAuthGateway.ALICE_KEY, session, "tools/call", "{\"name\":\"secure__whoami\"}").path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32042);
        JsonNode elicitation = error.path("data").path("elicitations").get(0);
        assertThat(elicitation.path("mode").asText()).isEqualTo("url");
        assertThat(elicitation.path("elicitationId").asText()).isNotBlank();
        assertThat(elicitation.path("message").asText()).contains("secure");
        assertThat(elicitation.path("url").asText()).startsWith(UserOAuthGateway.gateway() + "/oauth/consent?link=");
        // Nothing of the caller's reached the upstream: it only saw the gateway's own listing token.
        assertThat(UserOAuthGateway.upstream().accepted).allMatch(a -> a.startsWith("service-account-"));

        // A client without elicitation.url gets another code, the same link in error.data.
        String plainSession = initialize(UserOAuthGateway.ALICE_KEY, "{}");
        JsonNode other = rpc(UserOAuthGateway.ALICE_KEY, plainSession, "tools/call", "{\"name\":\"secure__whoami\"}")
                .path("error");
        assertThat(other.path("code").asInt()).isEqualTo(-32013);
        assertThat(other.path("message").asText()).contains("/oauth/consent?link=");
        assertThat(other.path("data").path("elicitations").get(0).path("url").asText()).contains("/oauth/consent?link=");
    }

    @Test
    @Order(2)
    void afterConsentEachUserSeesOnlyTheirOwnIdentityUpstream() throws Exception {
        String alice = initialize(UserOAuthGateway.ALICE_KEY, URL_CAPS);
        String bob = initialize(UserOAuthGateway.BOB_KEY, URL_CAPS);
        HttpResponse<String> page = ALICE_BROWSER.open(consentUrl(UserOAuthGateway.ALICE_KEY, alice));
        assertThat(page.statusCode()).as(ALICE_BROWSER.visited + page.body()).isEqualTo(200);
        assertThat(page.body()).contains("Connected to secure");
        assertThat(ALICE_BROWSER.logins).isEqualTo(1);
        assertThat(ALICE_BROWSER.visited).anyMatch(v -> v.contains("/realms/thirdparty/protocol/openid-connect/auth?")
                && v.contains("code_challenge_method=S256") && v.contains("state=") && v.contains("resource="));

        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice ");
        assertThat(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/call", "{\"name\":\"secure__whoami\"}").path("error")
                .path("code").asInt()).as("Alice's grant is never used for Bob").isEqualTo(-32042);

        assertThat(BOB_BROWSER.open(consentUrl(UserOAuthGateway.BOB_KEY, bob)).statusCode()).isEqualTo(200);
        assertThat(text(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=bob ");
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice ");
        // A new session of Alice's is served with her grant from its first request.
        String again = initialize(UserOAuthGateway.ALICE_KEY, "{}");
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, again, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice ");
        // The other backend never receives a grant.
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"plain__echo\"}"))).contains("echo");
        assertThat(RecordingUpstream.AUTHORIZATIONS).filteredOn(a -> a.startsWith("/plain")).allMatch(a -> a.equals("/plain "));

        JsonNode list = connections(UserOAuthGateway.ALICE_KEY, "GET", "");
        assertThat(list.path("route").asText()).isEqualTo("default");
        assertThat(list.path("connections").findValuesAsText("backend")).containsExactlyInAnyOrder("secure", "pub");
        assertThat(connections(UserOAuthGateway.ALICE_KEY, "GET", "/secure").path("connected").asBoolean()).isTrue();
        assertThat(connections(UserOAuthGateway.ALICE_KEY, "GET", "/pub").path("connected").asBoolean()).isFalse();
    }

    @Test
    @Order(3)
    void aConsentLinkWorksOnceAndAForgedOrExpiredOneIsRefused() throws Exception {
        String session = initialize(UserOAuthGateway.CAROL_KEY, URL_CAPS);
        String link = consentUrl(UserOAuthGateway.CAROL_KEY, session);
        // Plain redirects suffice when the authorization server approves at once: this browser is
        // signed in there already (as the upstream's user alice), so no form is shown.
        ConsentBrowser signedIn = ALICE_BROWSER;
        int loginsBefore = signedIn.logins;
        HttpResponse<String> done = signedIn.open(link);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(signedIn.logins).isEqualTo(loginsBefore);
        assertThat(text(rpc(UserOAuthGateway.CAROL_KEY, session, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice ");

        HttpResponse<String> replayed = BOB_BROWSER.open(link);
        assertThat(replayed.statusCode()).isEqualTo(410);
        assertThat(replayed.body()).contains("used already");

        String forged = link.substring(0, link.length() - 3) + (link.endsWith("AAA") ? "BBB" : "AAA");
        assertThat(BOB_BROWSER.open(forged).statusCode()).isEqualTo(400);
        String payload = new GrantKeys(Optional.empty(), Optional.of(UserOAuthGateway.SIGNING_KEY))
                .verify(link.substring(link.indexOf("link=") + 5));
        String otherBackend = payload.replace("\"b\":\"secure\"", "\"b\":\"plain\"");
        String unsigned = link.substring(0, link.indexOf("link=") + 5) + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(otherBackend.getBytes()) + link.substring(link.lastIndexOf('.'));
        assertThat(BOB_BROWSER.open(unsigned).statusCode()).as("a link changed to another backend").isEqualTo(400);

        JsonNode p = MAPPER.readTree(payload);
        String expired = ((com.fasterxml.jackson.databind.node.ObjectNode) p).put("x", System.currentTimeMillis() - 1000)
                .put("n", "fresh-nonce").toString();
        String expiredLink = UserOAuthGateway.gateway() + "/oauth/consent?link="
                + new GrantKeys(Optional.empty(), Optional.of(UserOAuthGateway.SIGNING_KEY)).sign(expired);
        HttpResponse<String> late = BOB_BROWSER.open(expiredLink);
        assertThat(late.statusCode()).isEqualTo(410);
        assertThat(late.body()).contains("expired");

        HttpResponse<String> unknownState = BOB_BROWSER
                .open(UserOAuthGateway.gateway() + "/oauth/callback?state=made-up&code=x");
        assertThat(unknownState.statusCode()).isEqualTo(400);
    }

    @Test
    @Order(4)
    void revokingOneUserLeavesTheOtherWorking() throws Exception {
        String alice = initialize(UserOAuthGateway.ALICE_KEY, URL_CAPS);
        String bob = initialize(UserOAuthGateway.BOB_KEY, URL_CAPS);
        assertThat(text(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=bob");
        assertThat(connections(UserOAuthGateway.BOB_KEY, "DELETE", "/secure")).isNull();
        assertThat(connections(UserOAuthGateway.BOB_KEY, "GET", "/secure").path("connected").asBoolean()).isFalse();
        assertThat(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/call", "{\"name\":\"secure__whoami\"}").path("error")
                .path("code").asInt()).isEqualTo(-32042);
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice");
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(UserOAuthGateway.gateway()
                + "/oauth/connections")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    @Order(5)
    void anExpiredAccessTokenIsRefreshed() throws Exception {
        String alice = initialize(UserOAuthGateway.ALICE_KEY, URL_CAPS);
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice");
        String before = UserOAuthGateway.upstream().accepted.getLast();
        // The realm's access tokens live 6 s; the upstream allows no clock skew.
        Thread.sleep(7000);
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice");
        String after = UserOAuthGateway.upstream().accepted.getLast();
        assertThat(after).startsWith("alice ").isNotEqualTo(before);
    }

    @Test
    @Order(6)
    void aRefusedRefreshAsksForConsentAgain() throws Exception {
        String alice = initialize(UserOAuthGateway.ALICE_KEY, URL_CAPS);
        assertThat(text(rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}")))
                .startsWith("user=alice");
        // The user's sessions end at the authorization server: their refresh tokens are no longer good.
        logoutAtKeycloak("alice");
        Thread.sleep(7000);
        JsonNode error = rpc(UserOAuthGateway.ALICE_KEY, alice, "tools/call", "{\"name\":\"secure__whoami\"}").path("error");
        assertThat(error.path("code").asInt()).as(error.toString()).isEqualTo(-32042);
        assertThat(connections(UserOAuthGateway.ALICE_KEY, "GET", "/secure").path("connected").asBoolean()).isFalse();
    }

    @Test
    @Order(7)
    void aBackendTheGatewayCannotListAloneAsksForConsentOnTheCallAndOpensAfterIt() throws Exception {
        // "pub" uses a public client: the gateway has no token of its own there, so a session without
        // a grant cannot open it, and does not list its tools.
        String bob = initialize(UserOAuthGateway.BOB_KEY, URL_CAPS);
        assertThat(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/list", "{}").findValuesAsText("name"))
                .doesNotContain("pub__whoami");
        JsonNode error = rpc(UserOAuthGateway.BOB_KEY, bob, "tools/call", "{\"name\":\"pub__whoami\"}").path("error");
        assertThat(error.path("code").asInt()).as(error.toString()).isEqualTo(-32042);
        HttpResponse<String> page = BOB_BROWSER.open(error.path("data").path("elicitations").get(0).path("url").asText());
        assertThat(page.statusCode()).as(BOB_BROWSER.visited + page.body()).isEqualTo(200);
        assertThat(BOB_BROWSER.visited).anyMatch(v -> v.contains("client_id=mcp-gateway-public"));
        assertThat(text(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/call", "{\"name\":\"pub__whoami\"}")))
                .startsWith("user=bob ");
        assertThat(rpc(UserOAuthGateway.BOB_KEY, bob, "tools/list", "{}").findValuesAsText("name")).contains("pub__whoami");
    }

    private static void logoutAtKeycloak(String user) throws Exception {
        String base = "http://127.0.0.1:" + UserOAuthGateway.keycloak().port();
        HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/realms/master/protocol/openid-connect/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "grant_type=password&client_id=admin-cli&username=admin&password=admin-password"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String admin = MAPPER.readTree(token.body()).path("access_token").asText();
        HttpResponse<String> users = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/admin/realms/" + UserOAuthGateway.REALM + "/users?exact=true&username=" + user))
                .header("Authorization", "Bearer " + admin).GET().build(), HttpResponse.BodyHandlers.ofString());
        String id = MAPPER.readTree(users.body()).get(0).path("id").asText();
        HttpResponse<String> logout = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/admin/realms/" + UserOAuthGateway.REALM + "/users/" + id + "/logout"))
                .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(logout.statusCode()).as(logout.body()).isEqualTo(204);
    }

    // ---------------------------------------------------------------- helpers

    private static String consentUrl(String key, String session) throws Exception {
        JsonNode error = rpc(key, session, "tools/call", "{\"name\":\"secure__whoami\"}").path("error");
        assertThat(error.path("code").asInt()).as(error.toString()).isIn(-32042, -32013);
        return error.path("data").path("elicitations").get(0).path("url").asText();
    }

    private static String text(JsonNode response) {
        assertThat(response.has("result")).as(response.toString()).isTrue();
        return response.path("result").path("content").get(0).path("text").asText();
    }

    static String initialize(String key, String capabilities) throws Exception {
        HttpResponse<String> res = post(key, null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
                 "capabilities":%s,"clientInfo":{"name":"user-oauth-test","version":"1"}}}""".formatted(capabilities));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        String session = res.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(key, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }

    static JsonNode rpc(String key, String session, String method, String params) throws Exception {
        HttpResponse<String> res = post(key, session,
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + params + "}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return message(res);
    }

    /** The JSON-RPC response of a plain JSON answer or of an event stream (its last message with an id). */
    static JsonNode message(HttpResponse<String> res) throws Exception {
        if (!res.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            return MAPPER.readTree(res.body());
        }
        JsonNode last = null;
        for (String line : res.body().split("\n")) {
            if (line.startsWith("data:") && line.length() > 5) {
                JsonNode n = MAPPER.readTree(line.substring(5).trim());
                if (n.has("id") && (n.has("result") || n.has("error"))) {
                    last = n;
                }
            }
        }
        return last;
    }

    private static HttpResponse<String> post(String key, String session, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(UserOAuthGateway.gateway() + "/mcp"))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-11-25").header("X-API-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            b.header("Mcp-Session-Id", session);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code /oauth/connections<suffix>}: the JSON answer, or null for 204. */
    private static JsonNode connections(String key, String method, String suffix) throws Exception {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(UserOAuthGateway.gateway()
                + "/oauth/connections" + suffix)).header("X-API-Key", key).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isIn(200, 204);
        return res.statusCode() == 204 ? null : MAPPER.readTree(res.body());
    }
}
