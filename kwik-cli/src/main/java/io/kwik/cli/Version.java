package io.kwik.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import picocli.CommandLine;

/**
 * {@code kwik --version}: the build's version, from the {@code Implementation-Version} of the
 * jar this class was loaded from. The jar itself is opened because {@link Package}'s version is
 * not filled in for a named module, and a class-path lookup of {@code META-INF/MANIFEST.MF}
 * could find another jar's manifest first.
 */
final class Version implements CommandLine.IVersionProvider {
    /** What it prints when the classes do not come from a built jar (a test on target/classes). */
    static final String UNKNOWN = "unknown (not run from a built jar)";

    @Override
    public String[] getVersion() {
        return new String[] {"kwik " + version() + " (KWIK for Java)",
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor", "?") + ")"};
    }

    static String version() {
        try {
            CodeSource source = Version.class.getProtectionDomain().getCodeSource();
            if (source == null) return UNKNOWN;
            Path location = Path.of(source.getLocation().toURI());
            if (!Files.isRegularFile(location)) return UNKNOWN;
            try (JarFile jar = new JarFile(location.toFile())) {
                Manifest manifest = jar.getManifest();
                String version = manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
                return version == null || version.isBlank() ? UNKNOWN : version;
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return UNKNOWN;
        }
    }
}
