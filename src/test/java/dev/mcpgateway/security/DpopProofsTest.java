package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.OctetKeyPairJsonWebKey;
import org.jose4j.jwk.OkpJwkGenerator;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.session.InMemoryReplayStore;
import dev.mcpgateway.testing.DpopKey;
import io.vertx.core.Future;

/** The checks of a DPoP proof that need no server: the header, the claims, the URL comparison, replay. */
class DpopProofsTest {

    static final String URL = "https://gw.example.com/mcp";
    static final String TOKEN = "access.token.value";
    static final OAuthConfig.Dpop DPOP = new OAuthConfig.Dpop(false, null, Duration.ofSeconds(60));
    final DpopProofs proofs = new DpopProofs(new InMemoryReplayStore(3), Duration.ofSeconds(5), 16384);
    final long now = System.currentTimeMillis() / 1000;

    DpopProofs.Proof check(String proof) {
        return proofs.check(DPOP, proof, "POST", List.of(URL), TOKEN, now);
    }

    @Test
    void aGoodProofYieldsTheKeysThumbprint() {
        DpopKey key = new DpopKey();
        DpopProofs.Proof p = check(key.proof("POST", URL, TOKEN, now, "j1"));
        assertThat(p.jkt()).isEqualTo(key.thumbprint());
        assertThat(p.jti()).isEqualTo("j1");
        assertThat(DpopProofs.ath(TOKEN)).isEqualTo(DpopKey.ath(TOKEN));
    }

    @Test
    void theUrlIsComparedNormalized() {
        DpopKey key = new DpopKey();
        for (String htu : List.of("https://GW.example.com/mcp", "HTTPS://gw.example.com:443/mcp",
                "https://gw.example.com/mcp?a=b",
                "https://gw.example.com/./mcp#frag")) {
            assertThat(check(key.proof("POST", htu, TOKEN, now, htu)).jkt()).as(htu).isEqualTo(key.thumbprint());
        }
        for (String htu : List.of("http://gw.example.com/mcp", "https://gw.example.com:8443/mcp", "https://gw.example.com/mcp/",
                "https://other.example.com/mcp", "/mcp", "not a url")) {
            assertThatThrownBy(() -> check(key.proof("POST", htu, TOKEN, now, "x"))).as(htu)
                    .isInstanceOf(InvalidProofException.class).hasMessageContaining("htu");
        }
        assertThat(DpopProofs.normalize("http://h")).isEqualTo("http://h/");
    }

    @Test
    void iatWindowAndSkew() {
        DpopKey key = new DpopKey();
        check(key.proof("POST", URL, TOKEN, now - 64, "old-but-within-skew"));
        check(key.proof("POST", URL, TOKEN, now + 4, "future-within-skew"));
        assertThatThrownBy(() -> check(key.proof("POST", URL, TOKEN, now - 66, "a"))).hasMessageContaining("too old");
        assertThatThrownBy(() -> check(key.proof("POST", URL, TOKEN, now + 6, "b"))).hasMessageContaining("future");
    }

    @Test
    void malformedProofsAreRefusedWithAReason() throws Exception {
        DpopKey key = new DpopKey();
        String good = key.proof("POST", URL, TOKEN, now, "j");
        String[] parts = good.split("\\.");
        assertThatThrownBy(() -> check(header("{\"typ\":\"JWT\",\"alg\":\"ES256\"}", parts))).hasMessageContaining("dpop+jwt");
        assertThatThrownBy(() -> check(header("{\"typ\":\"dpop+jwt\",\"alg\":\"none\"}", parts)))
                .hasMessageContaining("none is not accepted");
        assertThatThrownBy(() -> check(header("{\"typ\":\"dpop+jwt\",\"alg\":\"HS256\"}", parts)))
                .hasMessageContaining("HS256 is not accepted");
        assertThatThrownBy(() -> check(header("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\"}", parts))).hasMessageContaining("jwk");
        assertThatThrownBy(() -> check("not.a.jws")).hasMessageContaining("malformed");
        assertThatThrownBy(() -> check("x".repeat(20000))).hasMessageContaining("too long");
        // A private key in the header: the client leaked it, the proof proves nothing.
        String leaked = new ObjectMapper().readTree(key.privateJwk()).toString();
        String h = "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + leaked + "}";
        assertThatThrownBy(() -> check(header(h, parts))).hasMessageContaining("private key");
        // Claims missing.
        JwtClaims c = new JwtClaims();
        c.setStringClaim("htm", "POST");
        c.setStringClaim("htu", URL);
        c.setClaim("iat", now);
        c.setStringClaim("ath", DpopProofs.ath(TOKEN));
        RsaJsonWebKey rsa = RsaJwkGenerator.generateJwk(2048);
        assertThatThrownBy(() -> check(sign(c, rsa, AlgorithmIdentifiers.RSA_USING_SHA256))).hasMessageContaining("jti");
        // The signature must match the header's key (an RSA key in the header, signed with the EC key).
        String swapped = header("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + rsa.toJson() + "}", parts);
        assertThatThrownBy(() -> check(swapped)).isInstanceOf(InvalidProofException.class);
    }

    @Test
    void rsaAndEdDsaProofsAreAccepted() throws Exception {
        JwtClaims c = new JwtClaims();
        c.setJwtId("r1");
        c.setStringClaim("htm", "POST");
        c.setStringClaim("htu", URL);
        c.setClaim("iat", now);
        c.setStringClaim("ath", DpopProofs.ath(TOKEN));
        RsaJsonWebKey rsa = RsaJwkGenerator.generateJwk(2048);
        assertThat(check(sign(c, rsa, AlgorithmIdentifiers.RSA_PSS_USING_SHA256)).jkt())
                .isEqualTo(rsa.calculateBase64urlEncodedThumbprint("SHA-256"));
        OctetKeyPairJsonWebKey ed = OkpJwkGenerator.generateJwk(OctetKeyPairJsonWebKey.SUBTYPE_ED25519);
        assertThat(check(sign(c, ed, AlgorithmIdentifiers.EDDSA)).jkt())
                .isEqualTo(ed.calculateBase64urlEncodedThumbprint("SHA-256"));
        // ...unless the route narrows the algorithms.
        OAuthConfig.Dpop esOnly = new OAuthConfig.Dpop(true, List.of("ES256"), null);
        String rs = sign(c, rsa, AlgorithmIdentifiers.RSA_USING_SHA256);
        assertThatThrownBy(() -> proofs.check(esOnly, rs, "POST", List.of(URL), TOKEN, now))
                .hasMessageContaining("RS256 is not accepted");
    }

    @Test
    void aJtiIsUsedOnceAndTheMemoryIsBounded() {
        DpopKey key = new DpopKey();
        DpopProofs.Proof p = check(key.proof("POST", URL, TOKEN, now, "once"));
        assertThat(result(proofs.firstUse(DPOP, p))).isTrue();
        assertThat(result(proofs.firstUse(DPOP, p))).isFalse();
        // The same jti from another key is another proof.
        assertThat(result(proofs.firstUse(DPOP, new DpopProofs.Proof("other-key", "once")))).isTrue();
        assertThat(result(proofs.firstUse(DPOP, new DpopProofs.Proof("k", "3")))).isTrue();
        // The store holds 3 proofs within their lifetime: the fourth is refused, not let through.
        assertThat(proofs.firstUse(DPOP, new DpopProofs.Proof("k", "4")).failed()).isTrue();
    }

    @Test
    void theBoundKeyComesFromCnf() throws Exception {
        ObjectMapper m = new ObjectMapper();
        assertThat(DpopProofs.boundKey(m.readTree("{\"cnf\":{\"jkt\":\"abc\"}}"))).isEqualTo("abc");
        assertThat(DpopProofs.boundKey(m.readTree("{\"cnf\":{\"x5t#S256\":\"abc\"}}"))).isNull();
        assertThat(DpopProofs.boundKey(m.readTree("{\"cnf\":\"abc\"}"))).isNull();
        assertThat(DpopProofs.boundKey(m.readTree("{}"))).isNull();
    }

    private static boolean result(Future<Boolean> f) {
        assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue();
        return f.result();
    }

    private static String header(String json, String[] parts) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8)) + "." + parts[1]
                + "." + parts[2];
    }

    private static String sign(JwtClaims c, JsonWebKey key, String alg) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setAlgorithmHeaderValue(alg);
        jws.setHeader("typ", "dpop+jwt");
        jws.setJwkHeader((org.jose4j.jwk.PublicJsonWebKey) key);
        jws.setKey(((org.jose4j.jwk.PublicJsonWebKey) key).getPrivateKey());
        return jws.getCompactSerialization();
    }
}
