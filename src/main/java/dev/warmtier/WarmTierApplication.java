package dev.warmtier;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The warmtier service: memory spaces, each backed by one memory-mapped engine store. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WarmTierApplication {

    public static void main(String[] args) {
        SpringApplication.run(WarmTierApplication.class, args);
    }
}
