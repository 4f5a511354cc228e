package io.kwik.backend.netty;

import io.kwik.spi.HandshakeObserver;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits in front of the QUIC codec on a client's UDP channel while its handshake runs and tells
 * the observer of every datagram that arrives; quiche itself has no per-packet hook before the
 * handshake completes. Removed from the pipeline when the handshake ends.
 */
final class HandshakeProgress extends ChannelInboundHandlerAdapter {
    private final HandshakeObserver observer;

    HandshakeProgress(HandshakeObserver observer) {
        this.observer = observer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        observer.packetReceived();
        ctx.fireChannelRead(msg);
    }
}
