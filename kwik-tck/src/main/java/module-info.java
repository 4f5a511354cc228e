/**
 * The KWIK compatibility kit: abstract JUnit 5 suites that every transport backend runs,
 * plus the tools they use (certificates, fixtures, impairment).
 *
 * <p>A backend's TCK is one test class per suite that extends it and implements
 * {@code provider()}.
 */
module io.kwik.tck {
    requires transitive io.kwik.api;
    requires transitive io.kwik.spi;
    requires io.kwik.proto;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires jdk.management;

    exports io.kwik.tck;
    exports io.kwik.tck.tools;
    exports io.kwik.tck.transport;
    exports io.kwik.tck.impair;
}
