/**
 * The KWIK wire protocol: generated protobuf messages.
 *
 * <p>Only the engine and the compatibility kit see it. The package is also opened to
 * {@code com.google.protobuf}, whose reflective {@code toString()} needs it.
 */
module io.kwik.proto {
    requires transitive com.google.protobuf;

    exports io.kwik.proto to io.kwik.engine, io.kwik.tck;
    opens io.kwik.proto to com.google.protobuf;
}
