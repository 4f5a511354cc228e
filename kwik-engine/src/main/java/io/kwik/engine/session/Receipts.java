package io.kwik.engine.session;

import java.util.ArrayList;
import java.util.List;

import io.kwik.api.ByteRange;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.proto.StreamReceipt;

/** Validates a receipt from the client into byte ranges the primary can trust the shape of. */
final class Receipts {
    private Receipts() {}

    /**
     * The ranges {@code receipt} names.
     *
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} unless every range lies below 2^63
     *                       (the wire's uint64 arrives negative above), none ends before it
     *                       starts, and they come in ascending order without overlapping
     */
    static List<ByteRange> ranges(StreamReceipt receipt) throws KwikException {
        List<ByteRange> ranges = new ArrayList<>(receipt.getReceivedCount());
        long previousEnd = 0;
        for (io.kwik.proto.ByteRange r : receipt.getReceivedList()) {
            long start = r.getStart();
            long end = r.getEnd();
            if (start < 0 || end < 0 || end < start || start < previousEnd) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "receipt for stream "
                        + Long.toUnsignedString(receipt.getLogicalStreamId()) + ": range [" + Long.toUnsignedString(start)
                        + ", " + Long.toUnsignedString(end) + ") is out of range or out of order");
            }
            ranges.add(new ByteRange(start, end));
            previousEnd = end;
        }
        return ranges;
    }
}
