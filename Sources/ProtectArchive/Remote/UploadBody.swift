import Foundation
import NIOCore
import ProtectAPI
import Synchronization

/// What an upload's body saw: its bytes, hashes and duration once whole, or why it stopped.
final class UploadTally: Sendable {
    /// A body that reached its end and passed its checks.
    struct Whole: Sendable {
        var bytes: Int64
        var sha256: String
        /// The hash compared with the remote's own (lower-case hex); nil when protect-dl took none (a spooled bucket
        /// upload, which rclone checks with its own MD5, or a remote without hashes).
        var hash: (kind: RemoteHashKind, hex: String)?
        var duration: Double?
    }

    private let state = Mutex<(whole: Whole?, error: (any Error)?)>((nil, nil))

    var whole: Whole? { state.withLock { $0.whole } }
    var error: (any Error)? { state.withLock { $0.error } }

    func finish(_ whole: Whole) { state.withLock { $0.whole = whole } }
    func fail(_ error: any Error) { state.withLock { $0.error = $0.error ?? error } }
}

/// The `multipart/form-data` body of an upload to rclone's daemon: one file part that streams `chunks`, hashing
/// (SHA-256 and the remote's check hash) and checking them as they pass. The closing boundary, which tells rclone
/// the file is whole, is sent only once the stream ended with the length announced (and, for a video, a whole MP4);
/// anything else throws, the connection drops, and rclone aborts the upload.
struct UploadBody<Chunks: AsyncSequence & Sendable>: AsyncSequence, Sendable where Chunks.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let chunks: Chunks
    let boundary: String
    let fileName: String
    let expectedLength: Int64?
    let checkMP4: Bool
    /// The hash to take for the remote's own to be compared with.
    let hash: RemoteHashKind?
    let onBytes: (@Sendable (Int) -> Void)?
    let tally: UploadTally

    func makeAsyncIterator() -> Iterator { Iterator(body: self, source: chunks.makeAsyncIterator()) }

    /// Walks the part header, the file's bytes and the closing boundary.
    struct Iterator: AsyncIteratorProtocol {
        enum Stage { case head, file, done }
        let body: UploadBody
        var source: Chunks.AsyncIterator
        var stage = Stage.head
        var passing: PassingBytes
        var sourceEnded = false

        init(body: UploadBody, source: Chunks.AsyncIterator) {
            self.body = body
            self.source = source
            passing = PassingBytes(expectedLength: body.expectedLength, checkMP4: body.checkMP4, hash: body.hash)
        }

        mutating func next() async throws -> ByteBuffer? {
            switch stage {
            case .head:
                stage = .file
                let name = body.fileName.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "\"", with: "\\\"")
                return ByteBuffer(
                    string: "--\(body.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\""
                        + "\r\nContent-Type: application/octet-stream\r\n\r\n")
            case .file:
                do {
                    return try await nextOfFile()
                } catch {
                    stage = .done
                    body.tally.fail(error)
                    throw error
                }
            case .done:
                return nil
            }
        }

        /// Bytes gathered into one piece of the request: each piece costs a round of hand-offs between this task and
        /// the connection's event loop, so pieces the size of a TLS record would bound the rate.
        static var pieceSize: Int { 512 << 10 }

        private mutating func nextOfFile() async throws -> ByteBuffer? {
            var piece: ByteBuffer?
            while !sourceEnded {
                try Task.checkCancellation()
                guard let chunk = try await source.next() else {
                    sourceEnded = true
                    break
                }
                // An empty buffer would read as the end of a chunked body.
                if chunk.readableBytes == 0 { continue }
                chunk.withUnsafeReadableBytes { passing.feed($0) }
                body.onBytes?(chunk.readableBytes)
                if piece == nil && chunk.readableBytes >= Self.pieceSize { return chunk }
                if piece == nil {
                    piece = ByteBuffer()
                    piece?.reserveCapacity(Self.pieceSize + chunk.readableBytes)
                }
                piece?.writeImmutableBuffer(chunk)
                if let piece, piece.readableBytes >= Self.pieceSize { return piece }
            }
            if let piece { return piece }
            try Task.checkCancellation()
            body.tally.finish(try passing.finish())
            stage = .done
            return ByteBuffer(string: "\r\n--\(body.boundary)--\r\n")
        }
    }
}
