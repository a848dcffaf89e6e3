package dev.mcpgateway.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.infinispan.protostream.FileDescriptorSource;
import org.infinispan.protostream.GeneratedSchema;
import org.infinispan.protostream.ProtobufTagMarshaller;
import org.infinispan.protostream.SerializationContext;
import org.infinispan.protostream.TagReader;
import org.infinispan.protostream.TagWriter;
import org.infinispan.protostream.descriptors.WireType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.upstream.UpstreamSession;

/**
 * The Protobuf schema of what the gateway keeps in Infinispan ({@code application/x-protostream}),
 * with its marshallers. JSON payloads (client capabilities, server info) are stored as JSON text, so
 * the schema never has to follow the MCP specification. Written by hand rather than generated with
 * the ProtoStream annotation processor, which JDK 23+ compilers no longer run unless the build asks
 * for it.
 *
 * <p>Public with a public constructor because the Quarkus Infinispan client instantiates every
 * {@link GeneratedSchema} it finds and registers it with its marshaller.
 */
public final class InfinispanSchema implements GeneratedSchema {

    static final String FILE_NAME = "mcp-gateway.proto";

    private static final String PROTO = """
            syntax = "proto2";

            package mcpgateway;

            /**
             * An MCP client session at the gateway (key: the Mcp-Session-Id).
             * @TypeId(1975001)
             */
            message Session {
               optional string id = 1;
               optional string route = 2;
               optional string principal = 3;
               optional string protocol_version = 4;
               /* JSON text */
               optional string client_capabilities = 5;
               /* JSON text */
               optional string client_info = 6;
               repeated Upstream upstreams = 7;
               optional string log_level = 8;
               optional int64 created_at_millis = 9;
            }

            /* What a session knows about one backend. */
            message Upstream {
               optional string backend = 1;
               optional string session_id = 2;
               optional string protocol_version = 3;
               /* JSON text */
               optional string capabilities = 4;
               /* JSON text */
               optional string server_info = 5;
            }

            /**
             * The head of an SSE stream (key: the stream id): its session, the sequence number of its
             * newest event and that event's data, and whether the stream is finished. stream_id repeats
             * the key, so a replica's client listener can be filtered on the server to the streams it
             * tails (Hot Rod query filters see values, not keys); heads written before it was added
             * lack it.
             * @TypeId(1975002)
             */
            message StreamHead {
               optional string session_id = 1;
               optional int64 last_seq = 2;
               optional bool complete = 3;
               optional string last_data = 4;
               optional string stream_id = 5;
               /* who may append copied events (a fenced writer) */
               optional string writer = 6;
               /* JSON text: per source, its id of the last event copied from it */
               optional string positions = 7;
            }
            """;

    public InfinispanSchema() {
    }

    @Override
    public String getProtoFileName() {
        return FILE_NAME;
    }

    @Override
    public String getProtoFile() {
        return PROTO;
    }

    @Override
    public void registerSchema(SerializationContext ctx) {
        ctx.registerProtoFiles(FileDescriptorSource.fromString(FILE_NAME, PROTO));
    }

    @Override
    public void registerMarshallers(SerializationContext ctx) {
        ctx.registerMarshaller(new SessionMarshaller());
        ctx.registerMarshaller(new StreamHeadMarshaller());
    }

    private static int tag(int field, int wireType) {
        return WireType.makeTag(field, wireType);
    }

    private static final int LEN = WireType.WIRETYPE_LENGTH_DELIMITED;
    private static final int VARINT = WireType.WIRETYPE_VARINT;

    static final class SessionMarshaller implements ProtobufTagMarshaller<GatewaySession> {

        @Override
        public Class<GatewaySession> getJavaClass() {
            return GatewaySession.class;
        }

        @Override
        public String getTypeName() {
            return "mcpgateway.Session";
        }

        @Override
        public GatewaySession read(ReadContext ctx) throws IOException {
            TagReader in = ctx.getReader();
            String id = null;
            String route = null;
            String principal = null;
            String protocolVersion = null;
            JsonNode capabilities = null;
            JsonNode clientInfo = null;
            Map<String, UpstreamSession> upstreams = new LinkedHashMap<>();
            String logLevel = null;
            long createdAt = 0;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == tag(1, LEN)) {
                    id = in.readString();
                } else if (t == tag(2, LEN)) {
                    route = in.readString();
                } else if (t == tag(3, LEN)) {
                    principal = in.readString();
                } else if (t == tag(4, LEN)) {
                    protocolVersion = in.readString();
                } else if (t == tag(5, LEN)) {
                    capabilities = json(in.readString());
                } else if (t == tag(6, LEN)) {
                    clientInfo = json(in.readString());
                } else if (t == tag(7, LEN)) {
                    int oldLimit = in.pushLimit(in.readUInt32());
                    UpstreamSession u = readUpstream(in);
                    in.checkLastTagWas(0);
                    in.popLimit(oldLimit);
                    upstreams.put(u.backend(), u);
                } else if (t == tag(8, LEN)) {
                    logLevel = in.readString();
                } else if (t == tag(9, VARINT)) {
                    createdAt = in.readInt64();
                } else if (!in.skipField(t)) {
                    break;
                }
            }
            return new GatewaySession(id, route, principal, protocolVersion, capabilities, clientInfo, upstreams, logLevel,
                    createdAt);
        }

        private static UpstreamSession readUpstream(TagReader in) throws IOException {
            String backend = null;
            String sessionId = null;
            String protocolVersion = null;
            JsonNode capabilities = null;
            JsonNode serverInfo = null;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == tag(1, LEN)) {
                    backend = in.readString();
                } else if (t == tag(2, LEN)) {
                    sessionId = in.readString();
                } else if (t == tag(3, LEN)) {
                    protocolVersion = in.readString();
                } else if (t == tag(4, LEN)) {
                    capabilities = json(in.readString());
                } else if (t == tag(5, LEN)) {
                    serverInfo = json(in.readString());
                } else if (!in.skipField(t)) {
                    break;
                }
            }
            return new UpstreamSession(backend, sessionId, protocolVersion, capabilities, serverInfo);
        }

        @Override
        public void write(WriteContext ctx, GatewaySession s) throws IOException {
            TagWriter out = ctx.getWriter();
            writeString(out, 1, s.id());
            writeString(out, 2, s.route());
            writeString(out, 3, s.principal());
            writeString(out, 4, s.protocolVersion());
            writeString(out, 5, json(s.clientCapabilities()));
            writeString(out, 6, json(s.clientInfo()));
            if (s.upstreams() != null) {
                for (UpstreamSession u : s.upstreams().values()) {
                    try (TagWriter nested = out.subWriter(7, true)) {
                        writeString(nested, 1, u.backend());
                        writeString(nested, 2, u.sessionId());
                        writeString(nested, 3, u.protocolVersion());
                        writeString(nested, 4, json(u.capabilities()));
                        writeString(nested, 5, json(u.serverInfo()));
                    }
                }
            }
            writeString(out, 8, s.logLevel());
            out.writeInt64(9, s.createdAtMillis());
        }
    }

    static final class StreamHeadMarshaller implements ProtobufTagMarshaller<InfinispanEventLog.StreamHead> {

        @Override
        public Class<InfinispanEventLog.StreamHead> getJavaClass() {
            return InfinispanEventLog.StreamHead.class;
        }

        @Override
        public String getTypeName() {
            return "mcpgateway.StreamHead";
        }

        @Override
        public InfinispanEventLog.StreamHead read(ReadContext ctx) throws IOException {
            TagReader in = ctx.getReader();
            String streamId = null;
            String sessionId = null;
            long lastSeq = 0;
            boolean complete = false;
            String lastData = null;
            String writer = null;
            Map<String, String> positions = new LinkedHashMap<>();
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == tag(1, LEN)) {
                    sessionId = in.readString();
                } else if (t == tag(2, VARINT)) {
                    lastSeq = in.readInt64();
                } else if (t == tag(3, VARINT)) {
                    complete = in.readBool();
                } else if (t == tag(4, LEN)) {
                    lastData = in.readString();
                } else if (t == tag(5, LEN)) {
                    streamId = in.readString();
                } else if (t == tag(6, LEN)) {
                    writer = in.readString();
                } else if (t == tag(7, LEN)) {
                    json(in.readString()).properties().forEach(e -> positions.put(e.getKey(), e.getValue().asText()));
                } else if (!in.skipField(t)) {
                    break;
                }
            }
            return new InfinispanEventLog.StreamHead(streamId, sessionId, lastSeq, complete, lastData, writer, positions);
        }

        @Override
        public void write(WriteContext ctx, InfinispanEventLog.StreamHead h) throws IOException {
            TagWriter out = ctx.getWriter();
            writeString(out, 1, h.sessionId());
            out.writeInt64(2, h.lastSeq());
            if (h.complete()) {
                out.writeBool(3, true);
            }
            writeString(out, 4, h.lastData());
            writeString(out, 5, h.streamId());
            writeString(out, 6, h.writer());
            if (!h.positions().isEmpty()) {
                writeString(out, 7, json(JsonRpcCodec.MAPPER.valueToTree(h.positions())));
            }
        }
    }

    private static void writeString(TagWriter out, int field, String value) throws IOException {
        if (value != null) {
            out.writeString(field, value);
        }
    }

    private static String json(JsonNode node) {
        if (node == null) {
            return null;
        }
        try {
            return JsonRpcCodec.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(String text) throws IOException {
        return JsonRpcCodec.MAPPER.readTree(text);
    }
}
