package dev.mcpgateway.grants;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class GrantKeysTest {

    @Test
    void aSealedGrantOpensOnlyUnderItsKeyWithTheSameSecret() {
        GrantKeys keys = new GrantKeys(Optional.of("enc-secret"), Optional.of("sign-secret"));
        String sealed = keys.seal("g.alice", "{\"a\":\"token\"}");
        assertThat(sealed).doesNotContain("token");
        assertThat(keys.open("g.alice", sealed)).isEqualTo("{\"a\":\"token\"}");
        assertThat(keys.open("g.bob", sealed)).as("moved under another principal's key").isNull();
        assertThat(new GrantKeys(Optional.of("other"), Optional.of("sign-secret")).open("g.alice", sealed)).isNull();
        char[] c = sealed.toCharArray();
        c[c.length / 2] = c[c.length / 2] == 'A' ? 'B' : 'A';
        assertThat(keys.open("g.alice", new String(c))).as("tampered").isNull();
        assertThat(keys.open("g.alice", "not base64!")).isNull();
        assertThat(keys.seal("g.alice", "x")).as("a fresh nonce each time").isNotEqualTo(keys.seal("g.alice", "x"));
    }

    @Test
    void withoutAnEncryptionKeyReplicasWithTheSameSigningKeyShareOne() {
        GrantKeys one = new GrantKeys(Optional.empty(), Optional.of("shared"));
        GrantKeys two = new GrantKeys(Optional.empty(), Optional.of("shared"));
        assertThat(two.open("k", one.seal("k", "v"))).isEqualTo("v");
        assertThat(two.verify(one.sign("payload"))).isEqualTo("payload");
        GrantKeys random = new GrantKeys(Optional.empty(), Optional.empty());
        assertThat(random.open("k", one.seal("k", "v"))).isNull();
    }

    @Test
    void aSignedLinkVerifiesAndAChangedOneDoesNot() {
        GrantKeys keys = new GrantKeys(Optional.empty(), Optional.of("sign-secret"));
        String signed = keys.sign("{\"b\":\"gh\"}");
        assertThat(keys.verify(signed)).isEqualTo("{\"b\":\"gh\"}");
        String body = signed.substring(0, signed.indexOf('.'));
        String other = keys.sign("{\"b\":\"other\"}");
        assertThat(keys.verify(other.substring(0, other.indexOf('.')) + signed.substring(signed.indexOf('.'))))
                .as("another body with this signature").isNull();
        assertThat(keys.verify(body + ".")).isNull();
        assertThat(keys.verify(body)).isNull();
        assertThat(keys.verify(null)).isNull();
    }
}
