import Foundation
import ProtectAPI

/// Why a run could not go on.
public enum ArchiveError: Error, LocalizedError {
    /// `--dest` does not exist or is not a folder.
    case destinationMissing(String)
    /// `--dest` cannot be written (permissions, a read-only file system).
    case destinationNotWritable(String, reason: String)
    /// Two items of one run would be saved under the same name.
    case nameCollision(path: String, first: String, second: String)
    /// Cameras the console does not know; lists those it has.
    case unknownCameras([String], available: [Camera])
    /// A name that fits more than one camera.
    case ambiguousCamera(String, candidates: [Camera])
    /// The camera has no such channel or lens.
    case streamUnavailable(camera: String, stream: String, available: String)
    /// A time could not be used.
    case time(TimeError)
    /// Images beside clips could not be saved; `first` is the first one's cause.
    case imagesFailed(count: Int, first: any Error)
    /// A segment failed and failures are not ignored; `summary` is the run up to then.
    case downloadFailed(path: String, underlying: any Error, summary: DownloadSummary)

    public var errorDescription: String? {
        switch self {
        case .destinationMissing(let path):
            return "The destination folder \(path) does not exist or is not a folder."
        case .destinationNotWritable(let path, let reason):
            return "The destination folder \(path) cannot be written (\(reason)); nothing was asked of the console."
        case .nameCollision(let path, let first, let second):
            return "The names would collide: \(first) and \(second) would both be saved as \(path); add fields "
                + "that tell them apart (e.g. {camera_part}, {start} or {event_id}) to --output-template."
        case .unknownCameras(let tokens, let available):
            let list = available.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
            return "The console has no camera with the id or name \(tokens.joined(separator: ", ")); "
                + "its cameras are: \(list)."
        case .ambiguousCamera(let token, let candidates):
            let list = candidates.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
            return "More than one camera is named \"\(token)\": \(list); choose by id."
        case .streamUnavailable(let camera, let stream, let available):
            return "The camera \(camera) has no \(stream); it has \(available)."
        case .time(let error):
            return error.errorDescription
        case .imagesFailed(let count, let first):
            return "\(count) event image(s) could not be saved; the first: \(ErrorText.sentence(first))"
        case .downloadFailed(let path, let underlying, _):
            return "Downloading \(path) failed: \(underlying.localizedDescription)"
        }
    }
}
