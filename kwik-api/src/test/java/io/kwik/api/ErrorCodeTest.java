package io.kwik.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void everyKnownCodeRoundTripsThroughItsNumber() {
        for (ErrorCode code : ErrorCode.values()) {
            if (code == ErrorCode.UNKNOWN) continue;
            assertThat(ErrorCode.fromCode(code.code())).isEqualTo(code);
        }
    }

    @Test
    void wireNumbersAreStableAndDistinct() {
        assertThat(ErrorCode.PATH_NOT_FOUND.code()).isEqualTo(2);
        assertThat(ErrorCode.SESSION_CLOSED.code()).isEqualTo(11);
        assertThat(ErrorCode.TIMEOUT.code()).isEqualTo(12);
        assertThat(ErrorCode.TOO_MANY_PATHS.code()).isEqualTo(13);
        assertThat(ErrorCode.PATH_REMOVED.code()).isEqualTo(14);
        Set<Integer> numbers = new HashSet<>();
        Arrays.stream(ErrorCode.values()).forEach(code -> assertThat(numbers.add(code.code())).as("%s", code).isTrue());
    }

    @Test
    void anUnknownNumberIsUnknownAndKeptByTheException() {
        assertThat(ErrorCode.fromCode(4711)).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(ErrorCode.fromCode(-1)).as("the sentinel's own number is not a wire number").isEqualTo(ErrorCode.UNKNOWN);

        KwikException unknown = new KwikException(4711, "from a newer peer", null);
        assertThat(unknown.code()).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(unknown.wireCode()).isEqualTo(4711);
        assertThat(unknown.getMessage()).contains("4711");

        KwikException known = new KwikException(ErrorCode.PATH_DEAD.code(), "known", null);
        assertThat(known.code()).isEqualTo(ErrorCode.PATH_DEAD);
        assertThat(known.wireCode()).isEqualTo(3);
        assertThat(new KwikException(ErrorCode.FLOW_CONTROL, "local").wireCode()).isEqualTo(9);
    }

    @Test
    void unknownCannotBeRaisedWithoutItsNumber() {
        assertThatThrownBy(() -> new KwikException(ErrorCode.UNKNOWN, "no number"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
