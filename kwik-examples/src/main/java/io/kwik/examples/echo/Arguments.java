package io.kwik.examples.echo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A minimal command line: {@code --name value} options and positional arguments, in any order.
 * Bad input is reported with {@link IllegalArgumentException}, whose message a {@code main}
 * prints next to its usage line.
 */
final class Arguments {

    private final Map<String, String> options;
    private final List<String> positionals;

    private Arguments(Map<String, String> options, List<String> positionals) {
        this.options = options;
        this.positionals = positionals;
    }

    /**
     * Splits {@code args}. Every word starting with {@code --} must be one of {@code known} and
     * is followed by its value; {@code --} alone ends the options.
     *
     * @throws IllegalArgumentException on an unknown, repeated or valueless option
     */
    static Arguments parse(String[] args, Set<String> known) {
        Map<String, String> options = new HashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded || !arg.startsWith("--")) {
                positionals.add(arg);
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else {
                String name = arg.substring(2);
                if (!known.contains(name)) throw new IllegalArgumentException("unknown option " + arg);
                if (i + 1 >= args.length) throw new IllegalArgumentException(arg + " needs a value");
                if (options.put(name, args[++i]) != null) throw new IllegalArgumentException(arg + " given twice");
            }
        }
        return new Arguments(Map.copyOf(options), List.copyOf(positionals));
    }

    /** The value of {@code --name}, if given. */
    Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /**
     * The value of {@code --name}.
     *
     * @throws IllegalArgumentException when it is missing
     */
    String required(String name) {
        return option(name).orElseThrow(() -> new IllegalArgumentException("--" + name + " is required"));
    }

    /** The arguments that are not options, in order. */
    List<String> positionals() {
        return positionals;
    }

    /**
     * Parses a whole number of seconds.
     *
     * @throws IllegalArgumentException when {@code text} is not a number; the config builder
     *                                  checks the range
     */
    static Duration seconds(String text) {
        try {
            return Duration.ofSeconds(Long.parseLong(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number of seconds: " + text);
        }
    }

    /**
     * Parses a UDP port.
     *
     * @throws IllegalArgumentException when {@code text} is not a number in [0, 65535]
     */
    static int port(String text) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port: " + text);
        }
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port out of range: " + text);
        return port;
    }
}
