import AsyncHTTPClient
import NIOCore

/// The streamed body of an export, chunk by chunk, with back-pressure.
public struct ExportBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: HTTPClientResponse.Body
    /// The announced size, when the console sent `Content-Length`.
    public let contentLength: Int64?

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator()) }

    /// Reads the next chunk; transport failures become `ProtectError.network`.
    public struct Iterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        public mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch {
                throw Transport.translate(error)
            }
        }
    }
}
