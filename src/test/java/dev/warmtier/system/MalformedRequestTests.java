package dev.warmtier.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.support.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Fixed malformed requests over a raw socket, one per defect the fuzz test found: each answers
 * the contract's 4xx as {@code application/problem+json} with type, title, status, detail and
 * instance, and changes nothing stored. A raw {@code ;} in a path is a 400; {@code %3B} is part
 * of the id.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MalformedRequestTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
    }

    private static final String M = "/api/v1/spaces/default/memories/";
    private static final String BODY = "{\"content\":\"stored\"}";

    @LocalServerPort
    int port;

    private RawHttp.Exchange send(String method, String target, String body, String... headers) {
        return new RawHttp(port).send(method, target, body, headers);
    }

    private RawHttp.Exchange send(byte[] request) {
        return new RawHttp(port).send(request);
    }

    /** The answer has this status and is a problem detail of the contract. */
    private static RawHttp.Response problem(RawHttp.Exchange exchange, int status) {
        return RawHttp.problem(exchange, status);
    }

    private RawHttp.Response stored(String id) {
        RawHttp.Exchange put = send("PUT", M + id, BODY, "Content-Type", "application/json");
        assertThat(put.answered() && put.response().status() == 201).as("%s", put).isTrue();
        return put.response();
    }

    private int status(String method, String target) {
        RawHttp.Exchange exchange = send(method, target, null);
        assertThat(exchange.answered()).as("%s", exchange).isTrue();
        return exchange.response().status();
    }

    @Test
    void aRawSemicolonInAPutIdAnswers400AndStoresNothing() {
        problem(send("PUT", M + "semi-put;jsessionid=1", BODY, "Content-Type", "application/json"), 400);
        assertThat(status("GET", M + "semi-put")).isEqualTo(404);
        assertThat(status("GET", M + "semi-put%3Bjsessionid=1")).isEqualTo(404);
    }

    @Test
    void aRawSemicolonInADeleteIdAnswers400AndDeletesNothing() {
        String etag = stored("semi-del").header("ETag");
        problem(send("DELETE", M + "semi-del;v=2", null), 400);
        RawHttp.Exchange after = send("GET", M + "semi-del", null);
        assertThat(after.response().status()).as("%s", after).isEqualTo(200);
        assertThat(after.response().header("ETag")).isEqualTo(etag);
    }

    @Test
    void aRawSemicolonInASpaceDropAnswers400AndDropsNothing() {
        assertThat(status("PUT", "/api/v1/spaces/abc")).isEqualTo(201);
        problem(send("DELETE", "/api/v1/spaces/abc;oops", null), 400);
        assertThat(send("GET", "/api/v1/spaces", null).response().jsonOrNull().path("spaces").toString())
                .contains("\"abc\"");
    }

    @Test
    void aRawSemicolonInTheSpaceSegmentOfAGetAnswers400() {
        stored("semi-get");
        problem(send("GET", "/api/v1/spaces/default;x=1/memories/semi-get", null), 400);
    }

    @Test
    void anEncodedSemicolonStaysPartOfTheId() {
        RawHttp.Response put = stored("k%3Bv=2");
        assertThat(put.jsonOrNull().path("id").asString()).isEqualTo("k;v=2");
        RawHttp.Exchange got = send("GET", M + "k%3Bv=2", null);
        assertThat(got.response().status()).as("%s", got).isEqualTo(200);
        assertThat(got.response().jsonOrNull().path("id").asString()).isEqualTo("k;v=2");
        assertThat(status("GET", M + "k")).isEqualTo(404);
    }

    @Test
    void aBadPercentEscapeInAQueryParameterAnswers400() {
        problem(send("GET", "/api/v1/spaces/default/memories?limit=%ZZ", null), 400);
        problem(send("GET", "/api/v1/spaces/default/memories?after=%C3%28", null), 400);
    }

    @Test
    void aNulEscapeInThePathAnswers400() {
        problem(send("GET", M + "a%00b", null), 400);
    }

    @Test
    void invalidUtf8InThePathAnswers400() {
        problem(send("GET", M + "%C3%28", null), 400);
    }

    @Test
    void aBadEscapeInThePathAnswers400() {
        problem(send("GET", M + "a%G1", null), 400);
    }

    @Test
    void aControlCharacterInAHeaderValueAnswers400() {
        problem(send("GET", M + "ctl", null, "X-Test", "a\u0001b"), 400);
    }

    @Test
    void aHundredAndOneHeadersAnswer4xxProblemDetails() {
        String[] headers = new String[2 * 99];
        for (int i = 0; i < 99; i++) {
            headers[2 * i] = "X-Many-" + i;
            headers[2 * i + 1] = "v";
        }
        // Host, 99 X-Many, Connection: 101 headers. The contract names no code: 400 or 431 both fit.
        RawHttp.Exchange exchange = send("GET", M + "many", null, headers);
        assertThat(exchange.answered()).as("%s", exchange).isTrue();
        assertThat(exchange.response().status()).as("%s", exchange).isIn(400, 431);
        problem(exchange, exchange.response().status());
    }

    @Test
    void aNineKilobyteHeaderAnswers431() {
        problem(send("GET", M + "huge", null, "X-Huge", "h".repeat(9 * 1024)), 431);
    }

    @Test
    void aRequestWithoutHostAnswers400() {
        problem(send("GET /api/v1/spaces HTTP/1.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1)), 400);
    }

    @Test
    void connectAnswers405() {
        problem(send("CONNECT", M + "connect", null), 405);
    }

    @Test
    void traceAnswers405() {
        problem(send("TRACE", M + "trace", null), 405);
    }

    @Test
    void getErrorAnswers404() {
        problem(send("GET", "/error", null), 404);
    }

    @Test
    void anUnknownPathAnswers404WithAType() {
        problem(send("GET", "/api/v1/nosuch", null), 404);
    }

    @Test
    void aWrongMethodAnswers405WithAType() {
        problem(send("POST", "/api/v1/spaces", null), 405);
    }

    @Test
    void anUnsupportedAcceptAnswers406WithABody() {
        stored("xml");
        problem(send("GET", M + "xml", null, "Accept", "application/xml"), 406);
    }

    @Test
    void acceptJsonWithALatin1CharsetAnswers406AndStoresNothing() {
        problem(send("PUT", M + "latin1", BODY, "Content-Type", "application/json",
                "Accept", "application/json;charset=iso-8859-1"), 406);
        assertThat(status("GET", M + "latin1")).isEqualTo(404);
    }

    @Test
    void aWrongContentTypeAnswers415WithAType() {
        problem(send("PUT", M + "plain", BODY, "Content-Type", "text/plain"), 415);
        assertThat(status("GET", M + "plain")).isEqualTo(404);
    }

    @Test
    void aPatchEmbeddingPastTheFloatRangeAnswers400() {
        String etag = stored("huge-float").header("ETag");
        problem(send("PATCH", M + "huge-float", "{\"embedding\":[1e39,0,0,0]}",
                "Content-Type", "application/merge-patch+json"), 400);
        assertThat(send("GET", M + "huge-float", null).response().header("ETag")).isEqualTo(etag);
    }

    @Test
    void anUnknownSpaceOfTheInvariantReportAnswers404WithAProblemBody() {
        problem(send("GET", "/actuator/warmtier/nosuch", null), 404);
    }

    @Test
    void aNestedUnknownHealthPathAnswers404() {
        // Boot's health endpoint throws for these instead of answering 404 (found by the fuzz test).
        problem(send("GET", "/actuator/health/l/iveness", null), 404);
        problem(send("GET", "/actuator/health/nosuch/deeper/still", null), 404);
        problem(send("GET", "/actuator/health/nosuch", null), 404);
    }
}
