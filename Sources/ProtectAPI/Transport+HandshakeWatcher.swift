import NIOCore
import NIOSSL
import NIOTLS

extension Transport {
    /// Waits for the TLS handshake and hands over the peer's leaf certificate.
    final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<NIOSSLCertificate>

        init(promise: EventLoopPromise<NIOSSLCertificate>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event as? TLSUserEvent ?? .shutdownCompleted {
                let promise = self.promise
                context.channel.nioSSL_peerCertificate().whenComplete { result in
                    switch result {
                    case .success(let certificate?): promise.succeed(certificate)
                    case .success(nil): promise.fail(NIOSSLError.noCertificateToValidate)
                    case .failure(let error): promise.fail(error)
                    }
                }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(NIOSSLError.uncleanShutdown)
            context.fireChannelInactive()
        }
    }
}
