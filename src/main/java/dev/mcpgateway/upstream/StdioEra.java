package dev.mcpgateway.upstream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.AsyncResult;

/**
 * The era of a stdio backend's server, learnt from the first process the gateway starts and kept
 * for the backend. The 2026-07-28 stdio binding: "A client that supports both modern ... and a legacy
 * version that requires an {@code initialize} handshake SHOULD probe with {@code server/discover}
 * before sending any other request". A {@code DiscoverResult} naming 2026-07-28 makes the backend
 * modern (no handshake; {@code _meta} on every request); any other error, or no answer within the
 * backend's timeout, makes it legacy, initialized on the same process. "Clients SHOULD cache the
 * result for the lifetime of the server process ... and MAY persist it across restarts of the same
 * server configuration, re-probing if the cached assumption later fails": later processes of the
 * backend skip the probe, and a legacy assumption is dropped when {@code initialize} fails.
 */
final class StdioEra {

    private static final Logger LOG = Logger.getLogger(StdioEra.class);
    static final JsonNode PROBE_ID = TextNode.valueOf("mcp-gateway-discover");

    private final String backend;
    /** What a modern server answered the probe; null while unknown or when legacy. */
    private volatile UpstreamSession modern;
    private volatile boolean legacy;

    StdioEra(String backend) {
        this.backend = backend;
    }

    /** The probe's answer when the backend is known to speak 2026-07-28, else null. */
    UpstreamSession modern() {
        return modern;
    }

    /** Whether the backend is known to want {@code initialize}. */
    boolean legacy() {
        return legacy;
    }

    /** A legacy assumption failed ({@code initialize} was refused): the next process probes again. */
    void forget() {
        legacy = false;
        modern = null;
    }

    /**
     * The {@code server/discover} probe, declaring what the process's {@code initialize} would: the
     * client capabilities and identity, in the 2026-07-28 {@code _meta} envelope.
     */
    static JsonRpcRequest probe(ObjectNode initializeParams) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = params.putObject("_meta");
        meta.put(ModernMeta.PROTOCOL_VERSION, ProtocolVersions.V2026_07_28);
        JsonNode caps = initializeParams.get("capabilities");
        meta.set(ModernMeta.CLIENT_CAPABILITIES, caps instanceof ObjectNode ? caps.deepCopy()
                : JsonNodeFactory.instance.objectNode());
        if (initializeParams.get("clientInfo") instanceof ObjectNode info) {
            meta.set(ModernMeta.CLIENT_INFO, info.deepCopy());
        }
        return new JsonRpcRequest(PROBE_ID, McpMethods.SERVER_DISCOVER, params);
    }

    /**
     * Learns the era from the probe's outcome. Answers the session record of a modern server (no
     * session id, revision 2026-07-28), or null when the process is to be initialized. Throws when
     * the server is modern but speaks no revision the gateway does, or when the process failed
     * (exited) before answering, which says nothing about its era.
     */
    UpstreamSession learn(AsyncResult<JsonRpcResponse> outcome) {
        if (outcome.failed()) {
            if (!UpstreamErrors.isTimeout(outcome.cause())) {
                throw Multiplexing.asJsonRpc(backend, outcome.cause());
            }
            return legacy("it did not answer server/discover in time");
        }
        JsonRpcResponse response = outcome.result();
        if (response.isError()) {
            JsonNode error = response.error();
            if (error.path("code").asInt() != ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION) {
                return legacy("it answered server/discover with error " + error.path("code").asInt());
            }
            // "a recognized modern JSON-RPC error ... identifies a modern server: the client retries with a
            // supported version rather than falling back". The probe asked for the only modern revision the
            // gateway speaks, so only a legacy revision in the list leaves a way in.
            JsonNode supported = error.path("data").path("supported");
            for (JsonNode v : supported) {
                if (ProtocolVersions.isSupported(v.asText())) {
                    return legacy("it supports " + supported + " but not " + ProtocolVersions.V2026_07_28);
                }
            }
            throw UpstreamErrors.unavailable(backend, "it speaks only protocol versions " + supported
                    + ", none of which the gateway speaks (" + ProtocolVersions.ALL_NEWEST_FIRST + ")");
        }
        JsonNode result = response.result();
        boolean speaks = false;
        if (result != null && result.get("supportedVersions") != null) {
            for (JsonNode v : result.get("supportedVersions")) {
                speaks |= ProtocolVersions.MODERN.contains(v.asText());
            }
        }
        if (!speaks) {
            return legacy("its answer to server/discover lists no revision from " + ProtocolVersions.MODERN);
        }
        JsonNode caps = result.get("capabilities");
        UpstreamSession session = new UpstreamSession(backend, null, ProtocolVersions.V2026_07_28,
                caps instanceof ObjectNode ? caps : JsonNodeFactory.instance.objectNode(),
                result.path("_meta").get(ModernMeta.SERVER_INFO));
        if (modern == null) {
            LOG.infof("Backend %s speaks %s over stdio: no initialize, _meta on every request", backend,
                    ProtocolVersions.V2026_07_28);
        }
        modern = session;
        legacy = false;
        return session;
    }

    /**
     * The process exited while its probe was unanswered: some servers of the earlier revisions end
     * on any request before {@code initialize}. Counted as no answer: the next process is initialized.
     */
    void diedOfProbe() {
        legacy("its process exited when probed");
    }

    private UpstreamSession legacy(String why) {
        if (!legacy) {
            LOG.infof("Backend %s speaks a revision before %s (%s): using initialize", backend,
                    ProtocolVersions.V2026_07_28, why);
        }
        legacy = true;
        modern = null;
        return null;
    }
}
