package io.kwik.engine.transport;

import java.util.Optional;

import io.kwik.spi.QuicTransport;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.TransportContext;

/** Providers registered for the engine's tests only (src/test/resources/META-INF/services). */
public final class FakeProviders {
    private FakeProviders() {}

    abstract static class Fake implements QuicTransportProvider {
        private final String name;
        private final int priority;

        Fake(String name, int priority) {
            this.name = name;
            this.priority = priority;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public String spiVersion() {
            return SPI_VERSION;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.empty();
        }

        @Override
        public QuicTransport create(TransportContext context) {
            throw new UnsupportedOperationException("test provider " + name + " creates no transport");
        }
    }

    /** Usable, low priority. */
    public static final class Low extends Fake {
        public Low() {
            super("fake-low", -1000);
        }
    }

    /** Usable, higher priority than {@link Low}, lower than any real backend. */
    public static final class High extends Fake {
        public High() {
            super("fake-high", -999);
        }
    }

    /** Not usable here. */
    public static final class Unavailable extends Fake {
        public Unavailable() {
            super("fake-unavailable", 1_000_000);
        }

        @Override
        public boolean isAvailable() {
            return false;
        }

        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.of(new UnsatisfiedLinkError("no libfake in java.library.path"));
        }
    }

    /** Built for another SPI version. */
    public static final class WrongVersion extends Fake {
        public WrongVersion() {
            super("fake-old", 1_000_001);
        }

        @Override
        public String spiVersion() {
            return "0";
        }
    }

    /** Fails to instantiate, which ServiceLoader reports as a ServiceConfigurationError. */
    public static final class Broken extends Fake {
        public Broken() {
            super("fake-broken", 1_000_002);
            throw new IllegalStateException("broken on purpose");
        }
    }
}
