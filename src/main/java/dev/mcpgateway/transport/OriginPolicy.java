package dev.mcpgateway.transport;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * DNS-rebinding protection: which browser origins may call the endpoint. An allowed entry without
 * a port allows every port of that scheme and host.
 */
final class OriginPolicy {

    private final List<String> allowed;
    private final boolean any;

    OriginPolicy(List<String> allowed) {
        this.allowed = allowed.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
        this.any = this.allowed.contains("*");
    }

    boolean allows(String origin) {
        if (any) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (allowed.contains(o)) {
            return true;
        }
        URI uri;
        try {
            uri = URI.create(o);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            return false;
        }
        String withoutPort = uri.getScheme() + "://" + uri.getHost();
        return allowed.contains(withoutPort);
    }
}
