module io.kwik.examples {
    requires io.kwik.api;
}
