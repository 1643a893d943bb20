import AsyncHTTPClient
import Foundation
import NIOCore

extension ProtectClient {
    /// Fetches an image (at most 32 MiB); a console answer other than 200 is `ProtectError.httpError`.
    public nonisolated func image(_ image: ImageRequest) async throws -> Data {
        let response = try await send(image.path, query: image.queryItems)
        let data: Data
        do {
            data = Data(try await response.body.collect(upTo: 32 * 1024 * 1024).readableBytesView)
        } catch {
            throw Transport.translate(error)
        }
        guard response.status.code == 200 else {
            throw ProtectError.httpError(
                status: Int(response.status.code),
                reason: Transport.reason(from: String(decoding: data, as: UTF8.self), response.headers),
                request: Self.describe(image.path))
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix("text/html") || contentType.hasPrefix("application/json") {
            throw ProtectError.unexpectedContent(
                contentType: contentType.hasPrefix("text/html") ? "an HTML page" : "JSON",
                request: Self.describe(image.path))
        }
        return data
    }
}
