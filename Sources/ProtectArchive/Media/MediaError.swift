import Foundation

/// Why a clip, a timelapse or a playlist could not be made: one sentence each, saying what to do.
public enum MediaError: Error, LocalizedError, Equatable {
    /// ffmpeg or ffprobe cannot be run.
    case ffmpegMissing(String)
    /// ffmpeg lacks a filter or an encoder the command needs.
    case filterMissing(String)
    /// An archive file could not be read as video.
    case damagedInput(path: String?, reason: String)
    /// ffmpeg failed for another reason (its last line of error).
    case failed(String)
    /// The archive holds no footage for part of the range (and gaps were not allowed).
    case footageMissing(camera: String, gaps: [String])
    /// No camera of the archive has this id or name.
    case unknownCamera(String, available: [String])
    /// The command needs a local archive folder.
    case remoteArchive(String)
    /// One output file was asked for several cameras.
    case oneFileForSeveralCameras(String)

    public var errorDescription: String? {
        switch self {
        case .ffmpegMissing(let executable):
            return "\(executable) cannot be run; install ffmpeg (apt-get install ffmpeg) or put it on PATH."
        case .filterMissing(let name):
            return "This ffmpeg lacks \(name), which this command needs; install a full ffmpeg build (Debian's "
                + "ffmpeg package has it)."
        case .damagedInput(let path, let reason):
            let file = path.map { "The archive file \($0)" } ?? "An archive file"
            return "\(file) cannot be read as video (\(reason)); run protect-dl verify --repair to fetch it again."
        case .failed(let reason):
            return "ffmpeg failed: \(reason)."
        case .footageMissing(let camera, let gaps):
            return "The archive has no footage of \(camera) for \(gaps.joined(separator: ", ")); run protect-dl sync "
                + "to fetch it, or add --allow-gaps to make the file without it."
        case .unknownCamera(let token, let available):
            return "The archive has no camera with the id or name \(token); its cameras are: "
                + "\(available.joined(separator: ", "))."
        case .remoteArchive(let dest):
            return "\(dest) is an rclone remote; this command reads a local archive folder (copy the hours with "
                + "rclone first)."
        case .oneFileForSeveralCameras(let out):
            return "\(out) is one file but several cameras were chosen; give a folder as --out (one file per camera)."
        }
    }
}
