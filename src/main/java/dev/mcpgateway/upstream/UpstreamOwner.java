package dev.mcpgateway.upstream;

/**
 * Who an upstream session is opened for, as opaque keys: clients that share connections or
 * processes among sessions (stdio) route by them. Upstream clients never learn more of a client
 * session than these keys.
 *
 * @param session a key unique to the client session
 * @param principal a key unique to the authenticated principal; null for anonymous callers
 */
public record UpstreamOwner(String session, String principal) {

    /** The gateway itself (probes, a replica that never saw the session open). */
    public static final UpstreamOwner GATEWAY = new UpstreamOwner("gateway", null);
}
