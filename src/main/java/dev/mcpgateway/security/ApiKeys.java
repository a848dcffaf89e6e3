package dev.mcpgateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The API keys of a route, held as SHA-256 digests. A presented key is compared with every stored
 * digest in constant time (no early exit, so timing tells nothing about which key or how much of
 * it matched). Keys are never logged; only client ids are.
 */
public final class ApiKeys {

    private record Entry(String clientId, byte[] digest) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public ApiKeys(Map<String, String> clientKeys) {
        clientKeys.forEach((id, key) -> {
            if (key != null && !key.isEmpty()) {
                entries.add(new Entry(id, digest(key)));
            }
        });
    }

    /** The client id whose key this is, or null. */
    public String match(String presented) {
        if (presented == null) {
            return null;
        }
        byte[] d = digest(presented);
        String found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest(), d) && found == null) {
                found = e.clientId();
            }
        }
        return found;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
