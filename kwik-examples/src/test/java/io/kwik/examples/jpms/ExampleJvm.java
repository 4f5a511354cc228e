package io.kwik.examples.jpms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test needs to start the examples in a JVM of their own on a pure module path, from
 * the system properties this module's pom.xml sets for Surefire.
 */
public final class ExampleJvm {
    private ExampleJvm() {}

    /** The examples' classes and their run-time dependencies, as one module path. */
    public static String modulePath() throws IOException {
        Path runtimePath = Path.of(property("kwik.examples.runtimePathFile"));
        assertThat(runtimePath).as("written by dependency:build-classpath; run the test through Maven").exists();
        String dependencies = Files.readString(runtimePath, StandardCharsets.UTF_8).trim();
        String classes = property("kwik.examples.classes");
        return dependencies.isEmpty() ? classes : classes + File.pathSeparator + dependencies;
    }

    /** A system property the pom sets; fails the test with a hint when it is missing. */
    public static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s, set by this module's pom.xml; run the test through Maven", name)
                .isNotBlank();
        return value;
    }
}
