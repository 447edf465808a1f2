package dev.warmtier.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.Prerequisites;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumDriver;
import org.openqa.selenium.devtools.CdpVersionFinder;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Swagger UI in a real browser: Debian's headless Chromium, driven through Debian's
 * chromedriver by Selenium, against the service on a random port with its data in a temporary
 * directory.
 *
 * <p>Nothing is downloaded: the driver executable is given to {@link ChromeDriverService}, so
 * Selenium Manager is never consulted, and Chromium runs with its background networking off.
 * Without {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} (install the Debian packages
 * {@code chromium} and {@code chromium-driver}; {@code .ci/install-tools.sh} does) every test here
 * is skipped with that reason.
 *
 * <p>{@link #tryItOut} works the Swagger UI the way a person does: expand the operation, "Try it
 * out", fill the path parameters and the JSON body, "Execute", and read the status code of the
 * live response from the page; {@link #tryItOutPutsAMemory} uses it on the contract's
 * {@code PUT /api/v1/spaces/{space}/memories/{id}}.
 *
 * <p>Screenshots land in {@code target/}: {@code swagger-ui.png} (the rendered page),
 * {@code swagger-ui-put.png} (after the memory PUT, or wherever it stopped); chromedriver's log in
 * {@code target/chromedriver.log}.
 * {@link DirtiesContext} closes the context (and so every store) before JUnit deletes the data dir.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SwaggerUiBrowserTests {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path TARGET = Path.of("target");

    /** Upper bound of every wait for the page; a healthy run needs a few seconds at most. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String MEMORY_PATH = "/api/v1/spaces/{space}/memories/{id}";

    /**
     * The status cell of the live response's row. The live table's header row has a status cell
     * ("Code") too, and the documented responses are a {@code .responses-table} as well, which may
     * list the very code a test expects: only this selector reads what the server answered.
     */
    private static final String LIVE_STATUS = ".live-responses-table tbody tr.response .response-col_status";

    private static final Pattern STATUS_CODE = Pattern.compile("^\\s*(\\d{3})");

    /**
     * At startup Selenium looks for a DevTools (CDP) binding matching the browser's version and
     * logs two warnings when it has none: it ships bindings for a few Chrome versions, and Debian's
     * Chromium is newer. These tests speak WebDriver only, never CDP, so those warnings are noise.
     * (JUL holds loggers weakly: this field keeps the levels set.)
     */
    private static final List<Logger> CDP_LOOKUP_LOGGERS = List.of(
            Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder"),
            Logger.getLogger("org.openqa.selenium.chromium.ChromiumDriver"));

    @TempDir
    static Path dataDir;

    @TempDir
    static Path chromiumProfile;

    @DynamicPropertySource
    static void dataDirInTempDir(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", dataDir::toString);
    }

    private static WebDriver browser;

    @LocalServerPort
    int port;

    @BeforeAll
    static void startChromium() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            return; // requireChromium skips every test, saying why
        }
        Files.createDirectories(TARGET);
        CDP_LOOKUP_LOGGERS.forEach(logger -> logger.setLevel(Level.SEVERE));
        // An explicit driver executable is what keeps Selenium Manager (which would try to
        // download a driver and a browser) out of the picture: DriverFinder skips it.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .withLogFile(TARGET.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                // root in CI: Chromium's sandbox refuses to run as root.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                // The network here is closed: no update checks, sync, or other phoning home.
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--user-data-dir=" + chromiumProfile,
                "--window-size=1280,1600");
        browser = new ChromeDriver(service, options);
    }

    /**
     * Per test rather than in {@link #startChromium}: Surefire reports a class aborted in
     * {@code @BeforeAll} as "Tests run: 0" with no reason, while a skipped test shows it.
     */
    @BeforeEach
    void requireChromium() {
        Prerequisites.requireExecutable(CHROMIUM, "install Debian's chromium package (.ci/install-tools.sh does)");
        Prerequisites.requireExecutable(CHROMEDRIVER,
                "install Debian's chromium-driver package (.ci/install-tools.sh does)");
    }

    @AfterAll
    static void quitChromium() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void swaggerUiRendersTheOperations() throws IOException {
        openSwaggerUi();

        List<WebElement> operations = browser.findElements(By.cssSelector(".opblock"));
        assertThat(operations).as("operations rendered by the Swagger UI").isNotEmpty();
        assertThat(browser.findElement(By.cssSelector(".information-container .title")).getText())
                .as("the OpenAPI info title").isNotBlank();

        screenshot("swagger-ui.png");
    }

    /**
     * The contract's PUT through the Swagger UI. Deliberately neither skipped nor gated: where the
     * memory API is missing it fails, listing the operations the page does show.
     */
    @Test
    void tryItOutPutsAMemory() throws IOException {
        openSwaggerUi();

        try {
            WebElement operation = tryItOut("put", MEMORY_PATH,
                    Map.of("space", "default", "id", "browser-test-1"),
                    "{\"content\":\"written from Swagger UI\"}");

            assertThat(liveStatus(operation)).as(liveBody(operation)).isEqualTo(201);
            assertThat(liveBody(operation)).contains("\"written from Swagger UI\"");
        } finally {
            screenshot("swagger-ui-put.png");
        }
    }

    /** Opens the Swagger UI and waits until it has rendered at least one operation. */
    private void openSwaggerUi() {
        browser.get("http://localhost:" + port + "/swagger-ui/index.html");
        waitUpTo(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".opblock")));
    }

    /**
     * Runs one operation through "Try it out" and waits for its live response; answers the
     * operation's block, which then holds that response.
     *
     * @param method HTTP method in lower case, as in Swagger UI's {@code opblock-<method>} class
     * @param path the path template exactly as in the OpenAPI document
     * @param pathParameters value for each path parameter, by name
     * @param jsonBody the request body, or {@code null} for none
     */
    private WebElement tryItOut(String method, String path, Map<String, String> pathParameters, String jsonBody) {
        WebElement operation = operation(method, path);
        if (!operation.getDomAttribute("class").contains("is-open")) {
            operation.findElement(By.cssSelector(".opblock-summary-control")).click();
        }
        displayedIn(operation, ".try-out__btn").click();

        for (Map.Entry<String, String> parameter : pathParameters.entrySet()) {
            replaceText(displayedIn(operation,
                    "tr[data-param-name='" + parameter.getKey() + "'][data-param-in='path'] input"),
                    parameter.getValue());
        }
        if (jsonBody != null) {
            replaceText(displayedIn(operation, "textarea.body-param__text"), jsonBody);
        }

        displayedIn(operation, "button.execute").click();
        scrollIntoView(displayedIn(operation, LIVE_STATUS));
        return operation;
    }

    /** The operation's block; fails, naming what the page offers instead, when it is not there. */
    private WebElement operation(String method, String path) {
        List<WebElement> blocks = browser.findElements(By.cssSelector(".opblock"));
        for (WebElement block : blocks) {
            if (block.getDomAttribute("class").contains("opblock-" + method)
                    && path.equals(block.findElement(By.cssSelector(".opblock-summary-path"))
                            .getDomAttribute("data-path"))) {
                return block;
            }
        }
        List<String> offered = blocks.stream()
                .map(block -> block.findElement(By.cssSelector(".opblock-summary-method")).getText() + " "
                        + block.findElement(By.cssSelector(".opblock-summary-path")).getDomAttribute("data-path"))
                .toList();
        throw new AssertionError("Swagger UI shows no " + method.toUpperCase() + " " + path
                + " operation; it shows " + offered);
    }

    /** The status code of the live response, which Swagger UI may follow with "Undocumented". */
    private static int liveStatus(WebElement operation) {
        String text = operation.findElement(By.cssSelector(LIVE_STATUS)).getText();
        Matcher code = STATUS_CODE.matcher(text);
        assertThat(code.find()).as("a status code in '%s'", text).isTrue();
        return Integer.parseInt(code.group(1));
    }

    /** The body of the live response as the page shows it (pretty-printed), or "" when it has none. */
    private static String liveBody(WebElement operation) {
        List<WebElement> bodies = operation.findElements(
                By.cssSelector(".live-responses-table tbody tr.response .highlight-code pre"));
        return bodies.isEmpty() ? "" : bodies.get(0).getText();
    }

    /** Waits until an element inside {@code scope} matching {@code css} is displayed, and answers it. */
    private static WebElement displayedIn(WebElement scope, String css) {
        return waitUpTo(WAIT).ignoring(StaleElementReferenceException.class)
                .withMessage(() -> "nothing displayed matches " + css).until(d -> {
            List<WebElement> found = scope.findElements(By.cssSelector(css));
            return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
        });
    }

    /** Replaces a React-controlled field's text by typing, so the page's own state sees it. */
    private static void replaceText(WebElement field, String text) {
        field.click();
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        field.sendKeys(text);
        assertThat(field.getDomProperty("value")).as("field text after typing").isEqualTo(text);
    }

    private static void scrollIntoView(WebElement element) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'});", element);
    }

    private static WebDriverWait waitUpTo(Duration timeout) {
        return new WebDriverWait(browser, timeout);
    }

    private static void screenshot(String fileName) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), TARGET.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
    }
}
