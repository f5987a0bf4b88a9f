package io.rtmalloc.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.rtmalloc.Allocator;
import io.rtmalloc.testsupport.FrontEnds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An echo server and its client on loopback, Netty's NIO transport, both with
 * this allocator as their channels' allocator: a bounded number of requests
 * of random sizes and bytes, each echoed back and compared byte for byte.
 * The server checks that what it reads arrives in this allocator's direct
 * buffers; once both sides are shut down no block is left in use.
 */
@Timeout(60)
class EchoServerTest {

    private static final int REQUESTS = 200;
    private static final int MAX_REQUEST = 64 << 10;

    private Allocator allocator;
    private RtMallocByteBufAllocator netty;

    static Stream<String> frontEnds() {
        return FrontEnds.names();
    }

    @AfterEach
    void close() {
        if (allocator != null) {
            assertEquals(0, netty.metric().usedDirectMemory(), "usedDirectMemory");
            FrontEnds.assertNothingInUse(allocator);
            allocator.close();
        }
    }

    /** Echoes every buffer it reads, after checking where its memory came from. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        final AtomicInteger buffersRead;
        final AtomicReference<String> wrongBuffer;

        Echo(AtomicInteger buffersRead, AtomicReference<String> wrongBuffer) {
            this.buffersRead = buffersRead;
            this.wrongBuffer = wrongBuffer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            if (!(b.alloc() instanceof RtMallocByteBufAllocator) || !b.isDirect()) {
                wrongBuffer.compareAndSet(null, b + " from " + b.alloc());
            }
            buffersRead.incrementAndGet();
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            wrongBuffer.compareAndSet(null, cause.toString());
            ctx.close();
        }
    }

    /** Collects the echoed bytes and completes when {@code expected} have arrived. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final byte[] received;
        int at;
        final CompletableFuture<byte[]> done = new CompletableFuture<>();

        Collector(int expected) {
            received = new byte[expected];
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                int n = Math.min(b.readableBytes(), received.length - at);
                b.readBytes(received, at, n);
                at += n;
                if (at == received.length) {
                    done.complete(received);
                }
            } finally {
                b.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }

    @ParameterizedTest
    @MethodSource("frontEnds")
    void echoOnLoopback_returnsEveryByte(String frontEnd) throws Exception {
        allocator = FrontEnds.allocator(frontEnd);
        netty = new RtMallocByteBufAllocator(allocator);
        SplittableRandom random = new SplittableRandom(42);
        int[] sizes = new int[REQUESTS];
        int total = 0;
        for (int i = 0; i < REQUESTS; i++) {
            sizes[i] = 1 + random.nextInt(MAX_REQUEST);
            total += sizes[i];
        }
        byte[] sent = new byte[total];
        random.nextBytes(sent);

        AtomicInteger buffersRead = new AtomicInteger();
        AtomicReference<String> wrongBuffer = new AtomicReference<>();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, netty)
                    .childOption(ChannelOption.ALLOCATOR, netty)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(20), new Echo(buffersRead, wrongBuffer));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();

            Collector collector = new Collector(total);
            Channel client = new Bootstrap()
                    .group(workers)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, netty)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(20), collector);
                        }
                    })
                    .connect(server.localAddress()).sync().channel();

            int at = 0;
            for (int size : sizes) {
                ByteBuf request = client.alloc().directBuffer(size);
                request.writeBytes(sent, at, size);
                at += size;
                client.writeAndFlush(request).sync(); // the transport releases it once written
            }
            byte[] received = collector.done.get(30, TimeUnit.SECONDS);
            assertArrayEquals(sent, received, "echoed bytes");
            assertNull(wrongBuffer.get(), "the server read into this allocator's direct buffers");
            assertTrue(buffersRead.get() > 0);

            client.close().sync();
            server.close().sync();
        } finally {
            workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
        assertEquals(0, netty.metric().usedDirectMemory(), "every buffer of both sides was released");
    }

}
