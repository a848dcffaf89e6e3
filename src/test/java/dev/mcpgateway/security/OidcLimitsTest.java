package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.junit.jupiter.api.Test;

import io.quarkus.oidc.OidcTenantConfig;
import io.quarkus.oidc.runtime.OidcProvider;
import io.quarkus.oidc.runtime.OidcUtils;

/**
 * What Quarkus OIDC does where the gateway keeps its own code: these tests pass while the library
 * behaves so, and fail (pointing at the hand-written piece to remove) once it no longer does.
 */
class OidcLimitsTest {

    /**
     * A route's {@code localJWKS} is a JWK set; a Quarkus OIDC tenant verifies locally only with one
     * PEM {@code public-key} (or fetches keys from a URL), so TokenValidator checks inline sets itself.
     */
    @Test
    void aTenantTakesOnePemKeyNotAJwkSet() throws Exception {
        RsaJsonWebKey one = RsaJwkGenerator.generateJwk(2048);
        one.setKeyId("a");
        RsaJsonWebKey two = RsaJwkGenerator.generateJwk(2048);
        two.setKeyId("b");
        String set = new JsonWebKeySet(one, two).toJson();
        OidcTenantConfig tenant = OidcTenantConfig.builder().tenantId("inline").publicKey(set).token()
                .issuer("https://idp.example.com").end().build();
        assertThatThrownBy(() -> new OidcProvider(set, tenant)).isNotNull();
    }

    /**
     * An unsigned JWT ({@code alg: none}, empty signature) counts as an opaque token for Quarkus OIDC,
     * which would send it to the introspection endpoint; TokenValidator refuses it first.
     */
    @Test
    void anUnsignedJwtLooksOpaque() {
        String header = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(OidcUtils.isOpaqueToken(header + "." + payload + ".")).isTrue();
    }
}
