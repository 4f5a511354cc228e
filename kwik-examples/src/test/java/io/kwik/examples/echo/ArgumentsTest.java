package io.kwik.examples.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

final class ArgumentsTest {

    @Test
    void separatesOptionsFromPositionals() {
        Arguments arguments = Arguments.parse(new String[] {"127.0.0.1", "--trust", "c.pem", "4433", "--", "--hi"},
                Set.of("trust"));

        assertThat(arguments.required("trust")).isEqualTo("c.pem");
        assertThat(arguments.option("size")).isEmpty();
        assertThat(arguments.positionals()).containsExactly("127.0.0.1", "4433", "--hi");
    }

    @Test
    void refusesUnknownRepeatedAndValuelessOptions() {
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--nope", "x"}, Set.of("trust")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--trust", "a", "--trust", "b"}, Set.of("trust")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--trust"}, Set.of("trust")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Arguments.parse(new String[0], Set.of("trust")).required("trust"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("required");
    }

    @Test
    void parsesSeconds() {
        assertThat(Arguments.seconds("30")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> Arguments.seconds("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void checksPorts() {
        assertThat(Arguments.port("0")).isZero();
        assertThat(Arguments.port("65535")).isEqualTo(65_535);
        assertThatThrownBy(() -> Arguments.port("65536")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Arguments.port("http")).isInstanceOf(IllegalArgumentException.class);
    }
}
