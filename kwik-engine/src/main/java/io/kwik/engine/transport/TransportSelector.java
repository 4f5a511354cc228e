package io.kwik.engine.transport;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

import io.kwik.spi.QuicTransportProvider;

/**
 * Picks the transport backend (docs/PROTOCOL.md section 1): the one named by the configuration or
 * the system property {@value #PROPERTY}, else the usable one with the highest priority.
 * A provider that fails to load is logged and skipped; when nothing is usable, the error
 * names every provider found and why each is unusable.
 */
public final class TransportSelector {
    /** The system property that names a backend. */
    public static final String PROPERTY = "io.kwik.transport";

    private static final System.Logger LOG = System.getLogger(TransportSelector.class.getName());
    private static final AtomicBoolean CHOICE_LOGGED = new AtomicBoolean();

    private TransportSelector() {}

    /** One provider found, and why it cannot be used (empty when it can). */
    record Candidate(String name, QuicTransportProvider provider, Optional<String> unusable) {
        String describe() {
            return name + unusable.map(reason -> " (unusable: " + reason + ")").orElse(" (usable)");
        }
    }

    /**
     * The provider to use.
     *
     * @param requested the configured backend name, if any
     * @throws IllegalStateException when the named backend, or any backend, is not usable
     */
    public static QuicTransportProvider select(Optional<String> requested) {
        Optional<String> name = requested.or(() -> Optional.ofNullable(System.getProperty(PROPERTY)).filter(s -> !s.isBlank()));
        List<Candidate> found = discover();
        if (name.isPresent()) {
            Candidate match = found.stream().filter(c -> c.name().equals(name.get())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("KWIK transport '" + name.get() + "' was asked for but not found; found: "
                            + describe(found) + ". Add io.kwik:kwik-backend-" + name.get() + " to the class path or module path."));
            if (match.unusable().isPresent()) {
                throw new IllegalStateException("KWIK transport '" + name.get() + "' is not usable: " + match.unusable().get()
                        + "; found: " + describe(found));
            }
            return match.provider();
        }
        List<Candidate> usable = found.stream().filter(c -> c.unusable().isEmpty())
                .sorted(Comparator.comparingInt((Candidate c) -> c.provider().priority()).reversed()).toList();
        if (usable.isEmpty()) {
            throw new IllegalStateException("No usable KWIK transport; found: " + describe(found)
                    + ". Add io.kwik:kwik-backend-kwik or io.kwik:kwik-backend-netty.");
        }
        QuicTransportProvider chosen = usable.get(0).provider();
        if (usable.size() > 1 && CHOICE_LOGGED.compareAndSet(false, true)) {
            LOG.log(Level.DEBUG, "KWIK transports usable: {0}; chose ''{1}'' (highest priority); set -D{2}=<name> to choose",
                    describe(usable), chosen.name(), PROPERTY);
        }
        return chosen;
    }

    private static String describe(List<Candidate> candidates) {
        if (candidates.isEmpty()) return "none";
        return String.join(", ", candidates.stream().map(Candidate::describe).toList());
    }

    private static List<Candidate> discover() {
        List<Candidate> found = new ArrayList<>();
        Iterator<QuicTransportProvider> providers =
                ServiceLoader.load(QuicTransportProvider.class, TransportSelector.class.getClassLoader()).iterator();
        while (true) {
            QuicTransportProvider provider;
            try {
                if (!providers.hasNext()) break;
                provider = providers.next();
            } catch (ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "skipping a KWIK transport that failed to load: " + e.getMessage(), e);
                found.add(new Candidate("<failed to load>", null, Optional.of(String.valueOf(e.getMessage()))));
                continue;
            }
            found.add(examine(provider));
        }
        return found;
    }

    static Candidate examine(QuicTransportProvider provider) {
        String name;
        try {
            name = provider.name();
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "skipping KWIK transport " + provider.getClass().getName() + ": " + e, e);
            return new Candidate(provider.getClass().getName(), provider, Optional.of(e.toString()));
        }
        try {
            if (!QuicTransportProvider.SPI_VERSION.equals(provider.spiVersion())) {
                return new Candidate(name, provider, Optional.of("built for SPI version " + provider.spiVersion()
                        + ", this engine speaks " + QuicTransportProvider.SPI_VERSION));
            }
            if (!provider.isAvailable()) {
                return new Candidate(name, provider, Optional.of(provider.unavailabilityCause()
                        .map(Throwable::toString).orElse("isAvailable() is false")));
            }
            return new Candidate(name, provider, Optional.empty());
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "skipping KWIK transport " + name + ": " + e, e);
            return new Candidate(name, provider, Optional.of(e.toString()));
        }
    }
}
