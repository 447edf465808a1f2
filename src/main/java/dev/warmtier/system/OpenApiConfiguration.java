package dev.warmtier.system;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Contact;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the OpenAPI document says about the service as a whole, and the error responses of every
 * operation: each is an RFC 9457 problem detail, the shape {@link ProblemDetailsAdvice} answers.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM_JSON = "application/problem+json";

    @Bean
    OpenAPI warmtierOpenApi() {
        return new OpenAPI().info(new Info()
                .title("warmtier")
                .version("v1")
                .description("A durable, memory-mapped warm tier for memories (an id, a text, an embedding and a "
                        + "few scalars), grouped in spaces. Every write is linearizable per key and survives kill -9 "
                        + "once acknowledged. Errors are RFC 9457 problem details naming each bad field.")
                .contact(new Contact().name("warmtier maintainers").url("https://warmtier.dev"))
                .license(new License().name("Proprietary")));
    }

    /** Adds the Problem schema and, per operation, the error codes it can answer. */
    @Bean
    OpenApiCustomizer documentedProblems() {
        return openApi -> {
            openApi.getComponents().addSchemas("Problem", problemSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap()
                    .forEach((method, operation) -> addProblems(path, method, operation)));
        };
    }

    private static void addProblems(String path, PathItem.HttpMethod method, Operation operation) {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("400", "invalid input: the problem's errors name each field and rule");
        boolean hasBody = method == PathItem.HttpMethod.PUT || method == PathItem.HttpMethod.POST
                || method == PathItem.HttpMethod.PATCH;
        boolean isMemory = path.contains("/memories");
        codes.put("404", isMemory ? "unknown space or memory" : "unknown space");
        codes.put("405", "method not allowed on this path");
        codes.put("406", "no acceptable representation for the Accept header (answers are UTF-8 JSON)");
        boolean isOneMemory = path.endsWith("/{id}");
        boolean isOneSpace = path.endsWith("/{space}");
        if (isOneMemory && method == PathItem.HttpMethod.GET) {
            codes.put("412", "If-Match did not hold");
        } else if (isOneMemory || isOneSpace) {
            codes.put("412", "If-Match or If-None-Match did not hold; nothing changed");
        }
        if (hasBody) {
            codes.put("413", "content past warmtier.max-content-bytes, or body past warmtier.max-request-bytes");
            codes.put("415", "wrong Content-Type, a form body, or a Content-Encoding other than identity");
        }
        codes.put("431", "request header fields too large or too many");
        codes.put("500", "unexpected failure, or stored data that failed its checksum");
        codes.put("503", "the space is closing; retry after the Retry-After seconds");
        if (hasBody || method == PathItem.HttpMethod.DELETE) {
            codes.put("507", "the disk is full; reads keep working");
        }
        codes.forEach((code, description) -> {
            if (operation.getResponses().get(code) == null) {
                operation.getResponses().addApiResponse(code, new ApiResponse().description(description)
                        .content(new Content().addMediaType(PROBLEM_JSON, new MediaType()
                                .schema(new Schema<>().$ref("#/components/schemas/Problem"))
                                .example(example(Integer.parseInt(code), description)))));
            }
        });
    }

    private static Map<String, Object> example(int status, String description) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", status == 400 ? Problems.TYPES + "invalid-request" : Problems.typeOf(status).toString());
        example.put("title", Problems.titleOf(status));
        example.put("status", status);
        example.put("detail", status == 400 ? "confidence: must be finite and in [0, 1], was 1.5" : description);
        example.put("instance", "/api/v1/spaces/default/memories/thread-0-ep-0");
        example.put("errors", status == 400
                ? List.of(Map.of("field", "confidence", "message", "must be finite and in [0, 1], was 1.5"))
                : List.of());
        return example;
    }

    @SuppressWarnings("rawtypes")
    private static Schema problemSchema() {
        ObjectSchema fieldError = new ObjectSchema();
        fieldError.addProperty("field", new StringSchema().description("the bad field, header or parameter"));
        fieldError.addProperty("message", new StringSchema().description("the rule it broke"));
        ObjectSchema problem = new ObjectSchema();
        problem.description("RFC 9457 problem detail");
        problem.addProperty("type", new StringSchema().format("uri"));
        problem.addProperty("title", new StringSchema());
        problem.addProperty("status", new IntegerSchema());
        problem.addProperty("detail", new StringSchema());
        problem.addProperty("instance", new StringSchema().format("uri-reference"));
        problem.addProperty("errors", new ArraySchema().items(fieldError));
        problem.required(List.of("type", "title", "status", "detail", "instance", "errors"));
        return problem;
    }
}
