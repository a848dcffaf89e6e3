package dev.mcpgateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The console in a real browser (headless Chromium through chromedriver, the Debian packages),
 * through the gateway with real upstreams: sign in, each page loads without a console error and
 * shows what it should; the tool search finds a tool, "as principal" hides a tool a rule denies,
 * ending a session makes its client get 404, and the traffic chart shows the requests made here.
 * With {@code -Dconsole.screenshots=DIR} it saves a PNG of each page there (docs/console holds them).
 */
@QuarkusTest
@WithTestResource(ConsoleUpstreams.class)
class ConsoleBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TestHTTPResource("/console/")
    URL console;

    @TestHTTPResource("/mcp")
    URL endpoint;

    static ChromeDriver browser;
    static Path profile;

    @BeforeAll
    static void startBrowser() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        profile = Files.createTempDirectory("console-chromium-");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,900", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1400, 900));
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void everyPageWorksInABrowser() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI mcp = endpoint.toURI();
        String session = ConsoleApiTest.initialize(http, mcp);
        for (int i = 0; i < 5; i++) {
            assertThat(ConsoleApiTest.toolsList(http, mcp, session).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(ConsoleApiTest.call(http, mcp, session, "alpha__say", "{\"message\":\"hi\"}").body())
                    .contains("Echo: hi");
            assertThat(ConsoleApiTest.call(http, mcp, session, "beta__get-sum", "{\"a\":2,\"b\":3}").statusCode())
                    .isEqualTo(200);
        }
        String other = ConsoleApiTest.initialize(http, mcp);

        browser.get(console.toString());
        WebElement key = waitFor(By.id("login-key"));
        key.sendKeys(ConsoleUpstreams.ADMIN);
        browser.findElement(By.cssSelector("#login-form button")).click();

        // Routes
        WebElement route = waitFor(By.cssSelector("#routes-table tr[data-route='/mcp']"));
        assertThat(route.getText()).contains("alpha", "beta", "apiKey");
        screenshot("routes");

        // Backends: both found, with the revision each negotiated
        go("backends");
        waitUntilText(By.cssSelector("#backends-table tr[data-backend='beta']"), "2025-11-25");
        assertThat(browser.findElement(By.cssSelector("#backends-table tr[data-backend='alpha']")).getText())
                .contains("streamable_http", "2025-11-25", "tools", "circuit closed");
        assertThat(browser.findElement(By.cssSelector("#backends-table tr[data-backend='beta']")).getText()).contains("stdio");
        screenshot("backends");

        // Tools: the search finds a tool; as bob, the rule hides one
        go("tools");
        waitFor(By.cssSelector("#tools-list [data-tool='alpha__get-sum']"));
        WebElement env = waitFor(By.cssSelector("#tools-list [data-tool='alpha__get-env']"));
        assertThat(env.getText()).contains(ConsoleUpstreams.MARKUP);
        assertThat(env.findElements(By.tagName("img"))).isEmpty();
        assertThat(browser.getTitle()).isEqualTo("MCP Gateway console");
        browser.findElement(By.id("tools-search")).sendKeys("repeats");
        waitUntil(() -> tools().equals(List.of("alpha__say")));
        screenshot("tools");
        browser.findElement(By.id("tools-search")).clear();
        browser.findElement(By.id("tools-principal")).sendKeys("apikey:bob");
        browser.findElement(By.id("tools-go")).click();
        waitUntilText(By.id("tools-info"), "as apikey:bob");
        waitUntil(() -> tools().contains("beta__get-sum"));
        assertThat(tools()).doesNotContain("alpha__get-sum").contains("alpha__say");

        // Sessions: ending one from the page makes its client get 404
        go("sessions");
        WebElement row = waitFor(By.cssSelector("#sessions-table tr[data-session='" + session + "']"));
        waitFor(By.cssSelector("#sessions-table tr[data-session='" + other + "']"));
        assertThat(row.getText()).contains("apikey:alice", "2025-11-25", "console-test");
        screenshot("sessions");
        row.findElement(By.cssSelector("button.end-session")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#sessions-table tr[data-session='" + session + "']"), 0));
        assertThat(ConsoleApiTest.toolsList(http, mcp, session).statusCode()).isEqualTo(404);
        assertThat(ConsoleApiTest.toolsList(http, mcp, other).statusCode()).isEqualTo(200);

        // Traffic: the requests made here are on the chart
        go("traffic");
        waitUntil(() -> Long.parseLong(browser.findElement(By.id("traffic-requests")).getText()) >= 14);
        waitFor(By.cssSelector("#chart-rps-method polyline[data-series='tools/call']"));
        WebElement line = waitFor(By.cssSelector("#chart-rps-method polyline[data-series='tools/list']"));
        assertThat(line.getAttribute("points")).isNotBlank();
        assertThat(browser.findElements(By.cssSelector("#chart-rps-backend polyline[data-series='alpha']"))).hasSize(1);
        screenshot("traffic");

        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
        assertThat(errors).as("browser console errors").isEmpty();
    }

    private void go(String page) {
        browser.findElement(By.cssSelector("#nav a[data-page='" + page + "']")).click();
        waitUntil(() -> page.equals(browser.findElement(By.id("page")).getAttribute("data-page")));
    }

    private List<String> tools() {
        return browser.findElements(By.cssSelector("#tools-list .tool")).stream().map(e -> e.getAttribute("data-tool"))
                .toList();
    }

    private static WebElement waitFor(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static void waitUntilText(By by, String text) {
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(RuntimeException.class)
                .until(d -> condition.getAsBoolean());
    }

    private static void screenshot(String page) {
        String dir = System.getProperty("console.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Path out = Path.of(dir).toAbsolutePath();
            Files.createDirectories(out);
            Files.write(out.resolve(page + ".png"), browser.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
