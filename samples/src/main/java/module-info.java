/**
 * A KWIK application: it requires the API and nothing else of KWIK. The engine and a backend
 * are on the module path at run time, where {@link java.util.ServiceLoader} finds them.
 */
module io.kwik.samples {
    requires io.kwik.api;

    exports io.kwik.samples;
}
