package dev.mcpgateway.config;

import java.time.Duration;
import java.util.List;

/**
 * MCP authorization for a route (MCPRoute {@code securityPolicy.oauth}): clients present bearer
 * tokens issued by {@code issuer}; the gateway publishes RFC 9728 protected resource metadata.
 *
 * @param issuer the authorization server's issuer identifier
 * @param audiences accepted {@code aud} values; empty means the protected resource's own identifier
 *        ({@code resourceMetadata.resource}, RFC 8707), so a token minted for another server is
 *        refused
 * @param jwks where the token signing keys come from; null means discovered from the issuer's
 *        metadata (RFC 8414 {@code /.well-known/oauth-authorization-server}, then OpenID discovery)
 * @param resourceMetadata the RFC 9728 document served for this route
 * @param claimToHeaders token claims copied into headers sent upstream
 * @param requiredScopes scopes every request to the route needs (403 {@code insufficient_scope}
 *        otherwise); empty when the route itself needs none
 * @param introspection how opaque (non-JWT) tokens are checked, or null when only JWTs are accepted
 * @param dpop sender-constrained tokens (RFC 9449), or null when the route takes bearer tokens only
 */
public record OAuthConfig(
        String issuer,
        List<String> audiences,
        Jwks jwks,
        ProtectedResourceMetadata resourceMetadata,
        List<ClaimToHeader> claimToHeaders,
        List<String> requiredScopes,
        Introspection introspection,
        Dpop dpop) {

    public OAuthConfig {
        audiences = audiences == null ? List.of() : List.copyOf(audiences);
        claimToHeaders = claimToHeaders == null ? List.of() : List.copyOf(claimToHeaders);
        requiredScopes = requiredScopes == null ? List.of() : List.copyOf(requiredScopes);
    }

    /** Without DPoP. */
    public OAuthConfig(String issuer, List<String> audiences, Jwks jwks, ProtectedResourceMetadata resourceMetadata,
            List<ClaimToHeader> claimToHeaders, List<String> requiredScopes, Introspection introspection) {
        this(issuer, audiences, jwks, resourceMetadata, claimToHeaders, requiredScopes, introspection, null);
    }

    /** Bearer JWTs only, no route-wide scopes. */
    public OAuthConfig(String issuer, List<String> audiences, Jwks jwks, ProtectedResourceMetadata resourceMetadata,
            List<ClaimToHeader> claimToHeaders) {
        this(issuer, audiences, jwks, resourceMetadata, claimToHeaders, List.of(), null, null);
    }

    /** The {@code aud} values a token must carry one of. */
    public List<String> effectiveAudiences() {
        if (!audiences.isEmpty() || resourceMetadata == null || resourceMetadata.resource() == null) {
            return audiences;
        }
        return List.of(resourceMetadata.resource());
    }

    /**
     * RFC 7662 token introspection for opaque tokens.
     *
     * @param endpoint the introspection endpoint; null to take {@code introspection_endpoint} from
     *        the issuer's metadata
     * @param clientId the gateway's client id at the authorization server
     * @param clientSecret its secret (client_secret_basic)
     */
    public record Introspection(String endpoint, String clientId, String clientSecret) {
    }

    /**
     * The token signing keys: exactly one of a URL to fetch them from and a JWK set given inline.
     *
     * @param remoteUri the JWKS URL
     * @param localJson a JWK set document ({@code {"keys": [...]}})
     */
    public record Jwks(String remoteUri, String localJson) {
    }

    /**
     * RFC 9728 protected resource metadata.
     *
     * @param resource the protected resource's identifier, normally the route's public URL
     * @param resourceName human-readable name, or null
     * @param scopesSupported scopes a client should request for basic use
     * @param resourceSigningAlgValuesSupported JWS algorithms the resource accepts, or empty
     * @param resourceDocumentation URL of documentation, or null
     * @param resourcePolicyUri URL of the resource's policy, or null
     */
    public record ProtectedResourceMetadata(
            String resource,
            String resourceName,
            List<String> scopesSupported,
            List<String> resourceSigningAlgValuesSupported,
            String resourceDocumentation,
            String resourcePolicyUri) {
    }

    /**
     * A token claim sent upstream as a header. Any header of that name from the client is removed
     * first.
     *
     * @param claim the claim name; nested claims with dots ({@code org.team})
     * @param header the header name
     */
    public record ClaimToHeader(String claim, String header) {
    }

    /**
     * DPoP (RFC 9449): access tokens bound to a key the client holds, proven on every request by a
     * signed {@code DPoP} proof header.
     *
     * @param required true to refuse bearer tokens (only {@code Authorization: DPoP} is taken);
     *        false to take both
     * @param algorithms JWS algorithms accepted for proofs (asymmetric only)
     * @param proofLifetime how old a proof's {@code iat} may be; its {@code jti} is remembered this
     *        long (plus the clock skew) to refuse a replay
     */
    public record Dpop(boolean required, List<String> algorithms, Duration proofLifetime) {

        /** The proof algorithms accepted when none are configured. */
        public static final List<String> DEFAULT_ALGORITHMS = List.of("ES256", "ES384", "ES512", "RS256", "RS384",
                "RS512", "PS256", "PS384", "PS512", "EdDSA");
        /** The proof lifetime when none is configured. */
        public static final Duration DEFAULT_PROOF_LIFETIME = Duration.ofSeconds(60);

        public Dpop {
            algorithms = algorithms == null || algorithms.isEmpty() ? DEFAULT_ALGORITHMS : List.copyOf(algorithms);
            proofLifetime = proofLifetime == null ? DEFAULT_PROOF_LIFETIME : proofLifetime;
        }
    }
}
