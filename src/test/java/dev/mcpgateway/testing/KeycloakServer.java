package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Keycloak 26.4 (the {@code org.keycloak:keycloak-quarkus-dist} zip from Maven Central) on
 * 127.0.0.1, with the {@code mcp} realm of {@code src/test/resources/keycloak/mcp-realm.json}
 * imported. The zip is taken from the local Maven repository (fetched there with the Maven wrapper
 * when missing) and unpacked once under {@code target/}. Runs on the test's own JDK (21 or newer).
 */
public final class KeycloakServer implements AutoCloseable {

    public static final String VERSION = "26.4.0";
    public static final String REALM = "mcp";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private KeycloakServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Keycloak with the realm, {@code @NAME@} placeholders in it replaced by {@code values}. */
    public static KeycloakServer start(Map<String, String> values) {
        return start(values, List.of());
    }

    /**
     * Starts Keycloak with the {@code mcp} realm and more realms (resource names under
     * {@code /keycloak/}, e.g. a third-party authorization server's), placeholders replaced in each.
     */
    public static KeycloakServer start(Map<String, String> values, List<String> moreRealms) {
        try {
            Path home = install();
            Path data = home.resolve("data");
            deleteTree(data.resolve("h2"));
            Files.createDirectories(data.resolve("import"));
            try (Stream<Path> old = Files.list(data.resolve("import"))) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            for (String file : Stream.concat(Stream.of("mcp-realm.json"), moreRealms.stream()).toList()) {
                String realm;
                try (InputStream in = KeycloakServer.class.getResourceAsStream("/keycloak/" + file)) {
                    realm = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                for (Map.Entry<String, String> e : values.entrySet()) {
                    realm = realm.replace("@" + e.getKey() + "@", e.getValue());
                }
                Files.writeString(data.resolve("import/" + file), realm);
            }
            int port = NodePeers.freePort();
            int management = NodePeers.freePort();
            Path log = home.resolve("keycloak-" + port + ".log");
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-port=" + port, "--http-host=127.0.0.1", "--http-management-port=" + management,
                    "--import-realm", "--cache=local", "--hostname-strict=false")
                    .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
            pb.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin-password");
            pb.environment().put("JAVA_OPTS_APPEND", "-Xmx512m");
            KeycloakServer kc = new KeycloakServer(pb.start(), port, log);
            kc.awaitReady(Duration.ofSeconds(180));
            return kc;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(issuer()
                        + "/.well-known/openid-configuration")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("Keycloak did not start within " + timeout + "; see " + log);
    }

    /** The Keycloak distribution under target/, unpacked from the Maven repository on first use. */
    static synchronized Path install() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Path home = target.resolve("keycloak-" + VERSION);
        if (Files.isExecutable(home.resolve("bin/kc.sh")) && Files.exists(home.resolve("lib/quarkus-run.jar"))) {
            return home;
        }
        Path zip = distribution();
        Path tmp = Files.createTempDirectory(target, "keycloak-unpack");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null;) {
                Path out = tmp.resolve(e.getName()).normalize();
                if (!out.startsWith(tmp)) {
                    throw new IOException("bad zip entry " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    if (e.getName().endsWith(".sh")) {
                        out.toFile().setExecutable(true);
                    }
                }
            }
        }
        deleteTree(home);
        Files.move(tmp.resolve("keycloak-" + VERSION), home);
        deleteTree(tmp);
        return home;
    }

    private static Path distribution() throws IOException {
        String repo = System.getProperty("maven.repo.local",
                System.getProperty("user.home") + "/.m2/repository");
        Path zip = Path.of(repo, "org/keycloak/keycloak-quarkus-dist", VERSION,
                "keycloak-quarkus-dist-" + VERSION + ".zip");
        if (Files.exists(zip)) {
            return zip;
        }
        Path mvnw = Path.of("mvnw").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(mvnw.toString(), "-q", "-B", "dependency:get",
                "-Dartifact=org.keycloak:keycloak-quarkus-dist:" + VERSION + ":zip", "-Dtransitive=false")
                .inheritIO();
        try {
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.exists(zip)) {
                throw new IOException("could not fetch org.keycloak:keycloak-quarkus-dist:" + VERSION + ":zip into " + repo);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return zip;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public int port() {
        return port;
    }

    public String issuer() {
        return issuer(REALM);
    }

    /** The issuer of another imported realm. */
    public String issuer(String realm) {
        return "http://127.0.0.1:" + port + "/realms/" + realm;
    }

    public String tokenEndpoint() {
        return issuer() + "/protocol/openid-connect/token";
    }

    /** A user's access token by the password grant of public client {@code clientId}. */
    public String passwordToken(String clientId, String user, String password, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", clientId);
        form.put("username", user);
        form.put("password", password);
        if (scope != null) {
            form.put("scope", scope);
        }
        return token(form, null, null).path("access_token").asText();
    }

    /** A confidential client's own access token (client credentials grant). */
    public String clientToken(String clientId, String secret, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (scope != null) {
            form.put("scope", scope);
        }
        return token(form, clientId, secret).path("access_token").asText();
    }

    private JsonNode token(Map<String, String> form, String clientId, String secret) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (clientId != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("token request failed: HTTP " + r.statusCode() + " " + r.body());
            }
            return MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The claims of a JWT, unverified (for assertions). */
    public static JsonNode claims(String jwt) {
        try {
            return MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The audiences of a JWT as a list. */
    public static List<String> audiences(String jwt) {
        JsonNode aud = claims(jwt).path("aud");
        if (aud.isArray()) {
            return Stream.of(MAPPER.convertValue(aud, String[].class)).toList();
        }
        return aud.isMissingNode() ? List.of() : List.of(aud.asText());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
