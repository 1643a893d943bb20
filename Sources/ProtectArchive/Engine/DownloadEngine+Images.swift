import Foundation
import ProtectAPI

/// The images of one item: how many were saved, how many failed, and the first failure's cause.
struct ImageResults: Sendable {
    var saved = 0
    var failed = 0
    var firstFailure: (any Error)?
}

extension DownloadEngine {
    /// Saves the item's images that are not there yet, retrying while the console answers 404 (it renders an
    /// event's images some seconds after the event ends) or fails in a way that may pass.
    func saveImages(
        _ item: ExportItem, client: ProtectClient, onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws -> ImageResults {
        var results = ImageResults()
        for image in item.images {
            let target = options.destination.appendingPathComponent(image.path)
            if let remote = options.remote {
                if try await remote.stat(image.path) != nil { continue }
            } else if FileManager.default.fileExists(atPath: target.path) {
                continue
            }
            do {
                let data = try await options.imageRetryPolicy.run(
                    decide: { error, _ in
                        let notYet = (error as? ProtectError).map { $0.kind == .httpError && $0.status == 404 } ?? false
                        return notYet || Transience.isTransient(error, within: .export) ? .retry : .fail
                    },
                    { _ in
                        let data = try await client.image(image.request)
                        if let remote = options.remote {
                            try ImageFile.check(data)
                            try await remote.put(data, to: image.path)
                        } else {
                            try ImageFile.save(data, to: target)
                        }
                        return data
                    })
                onEvent(.imageSaved(item.info, path: image.path, bytes: data.count))
                results.saved += 1
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                onEvent(.imageFailed(item.info, path: image.path, error: error))
                results.failed += 1
                if results.firstFailure == nil { results.firstFailure = error }
            }
        }
        return results
    }
}
