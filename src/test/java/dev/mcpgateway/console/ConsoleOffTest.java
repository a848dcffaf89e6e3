package dev.mcpgateway.console;

import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Unless enabled, the gateway serves no console at all, key or no key. */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class ConsoleOffTest {

    @Test
    void nothingIsServed() {
        given().get("/console/").then().statusCode(404);
        given().get("/console/console.js").then().statusCode(404);
        given().get("/console/api/auth").then().statusCode(404);
        given().header("X-Console-Key", "anything").get("/console/api/routes").then().statusCode(404);
        given().header("X-Console-Key", "anything").delete("/console/api/sessions/x").then().statusCode(404);
    }
}
