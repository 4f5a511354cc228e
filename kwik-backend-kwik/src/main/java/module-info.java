module io.kwik.backend.kwik {
    requires io.kwik.spi; requires tech.kwik.core;
}
