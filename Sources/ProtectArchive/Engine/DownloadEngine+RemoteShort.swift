import Foundation
import NIOCore
import ProtectAPI
import Synchronization

extension DownloadEngine {
    /// A damaged recording for a remote: when every attempt's body broke at the same byte, the console is asked once
    /// more and what it sends up to that byte is stored under the short name (`….short.mp4`, never the hour's
    /// name), as a local destination keeps its `.part`; nil (the item failed) when that answer breaks elsewhere.
    static func keepShort(
        _ item: ExportItem, on remote: RemoteStore, client: ProtectClient, ends: ShortEnds, error: any Error,
        attempts: Int, onEvent: @Sendable (DownloadEvent) -> Void
    ) async -> ItemResult? {
        guard let bytes = ends.agreed(attempts: attempts) else { return nil }
        let short = FileNaming.shortPath(item.info.path)
        do {
            let outcome = try await client.withExport(item.request) { body in
                try await remote.upload(
                    UpToBreak(base: body, length: bytes), expectedLength: bytes, to: short, checkMP4: false)
            }
            guard case .footage(let file) = outcome, file.bytes == bytes else { return nil }
        } catch {
            return nil
        }
        let reason =
            "the console ended all \(attempts) attempts at byte \(bytes) (a damaged recording): "
            + ErrorText.sentence(error)
        onEvent(.short(item.info, path: short, bytes: bytes, attempts: attempts, reason: reason))
        return .short(path: short, bytes: bytes)
    }
}

/// Where a body sent to a remote broke: the bytes it had given when its source failed (nil: it did not break).
final class BodyCut: Sendable {
    private let state = Mutex<(bytes: Int64, broke: Bool)>((0, false))

    var brokeAt: Int64? { state.withLock { $0.broke ? $0.bytes : nil } }

    func add(_ count: Int) { state.withLock { $0.bytes += Int64(count) } }
    func broke() { state.withLock { $0.broke = true } }
}

/// An export body that notes in a `BodyCut` how many bytes it gave, and whether the console broke it.
struct CountedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: ExportBody
    let cut: BodyCut

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), cut: cut) }

    struct Iterator: AsyncIteratorProtocol {
        var base: ExportBody.Iterator
        let cut: BodyCut

        mutating func next() async throws -> ByteBuffer? {
            do {
                let chunk = try await base.next()
                if let chunk { cut.add(chunk.readableBytes) }
                return chunk
            } catch {
                if !(error is CancellationError) { cut.broke() }
                throw error
            }
        }
    }
}

/// An export body that ends cleanly where the console breaks it after exactly `length` bytes (a damaged
/// recording's known end); any other break is thrown.
struct UpToBreak: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: ExportBody
    let length: Int64

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), length: length) }

    struct Iterator: AsyncIteratorProtocol {
        var base: ExportBody.Iterator
        let length: Int64
        var given: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            do {
                let chunk = try await base.next()
                if let chunk { given += Int64(chunk.readableBytes) }
                return chunk
            } catch {
                if error is CancellationError || given != length { throw error }
                return nil
            }
        }
    }
}
