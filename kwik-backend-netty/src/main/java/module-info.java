module io.kwik.backend.netty {
    requires io.kwik.spi;
}
