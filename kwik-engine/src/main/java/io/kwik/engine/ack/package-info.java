/**
 * KWIK-level acknowledgements per path (docs/PROTOCOL.md 4.5): the receiver's {@link io.kwik.engine.ack.AckTracker}
 * and the sender's {@link io.kwik.engine.ack.SendWindow}, which measures the path and bounds what is in flight on it.
 */
package io.kwik.engine.ack;
