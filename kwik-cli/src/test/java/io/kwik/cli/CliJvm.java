package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test needs to start the command line in a JVM of its own on a pure module path, from
 * the system properties this module's pom.xml sets for Surefire.
 */
final class CliJvm {
    private CliJvm() {}

    /** This module's classes and its run-time dependencies, as one module path. */
    static String modulePath() throws IOException {
        Path runtimePath = Path.of(property("kwik.cli.runtimePathFile"));
        assertThat(runtimePath).as("written by dependency:build-classpath; run the test through Maven").exists();
        String dependencies = Files.readString(runtimePath, StandardCharsets.UTF_8).trim();
        String classes = property("kwik.cli.classes");
        return dependencies.isEmpty() ? classes : classes + File.pathSeparator + dependencies;
    }

    /** A system property the pom sets; fails the test with a hint when it is missing. */
    static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s, set by this module's pom.xml; run the test through Maven", name)
                .isNotBlank();
        return value;
    }
}
