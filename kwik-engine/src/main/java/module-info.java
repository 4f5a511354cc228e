module io.kwik.engine {
    requires io.kwik.api; requires io.kwik.spi; requires io.kwik.proto;
}
