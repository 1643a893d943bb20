import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive

/// `protect-dl`: download recorded footage from a UniFi Protect console.
@main
struct ProtectDL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect-dl",
        abstract: "Download recorded footage from a UniFi Protect console, one MP4 per camera and hour.",
        discussion: ExitStatus.documentation,
        version: "protect-dl 0.11.0",
        subcommands: [
            Download.self, Events.self, Snapshot.self, Cameras.self, Sync.self, Watch.self, Verify.self, Manifest.self,
            Status.self, Clip.self, Playlist.self, Timelapse.self, Serve.self, Notify.self, Demo.self,
            ConfigCommand.self, Completions.self,
        ],
        defaultSubcommand: Download.self
    )

    /// A reader that goes away (`| head -1`) must end the run as an error code, not kill it by SIGPIPE mid-write.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        let prepared: PreparedRun
        do {
            prepared = try ArgumentLayers.commandLine()
        } catch {
            exit(withError: fail(error))
        }
        switch prepared {
        case .asTyped(let arguments): await main(arguments)
        case .show: await main(Array(CommandLine.arguments.dropFirst()))
        case .one(let layered):
            do {
                try layered.checkFileValues()
            } catch {
                exit(withError: fail(error))
            }
            await main(layered.arguments)
        case .allConsoles(let commands): await AllConsoles.main(commands)
        }
    }
}

/// Exit codes: the original downloader's 0–5, then protect-dl's own.
enum ExitStatus: Int32 {
    case success = 0
    case destination = 1
    case login = 2
    case accessKey = 3
    case httpError = 4
    case network = 5
    case unknownCamera = 6
    case invalidFile = 7
    case certificate = 8
    case stream = 9
    case verifyFailed = 10
    case state = 11
    case diskFull = 12
    case rcloneMissing = 13
    case rcloneTooOld = 14
    case unknownRemote = 15
    case remoteRefused = 16
    case remoteFailed = 17
    case otherDestination = 18
    case notifyFailed = 19
    case ffmpegMissing = 20
    case ffmpegLacks = 21
    case damagedFootage = 22
    case footageMissing = 23
    case rcloneHung = 24
    case usage = 64
    case config = 78
    case internalError = 70
    case interrupted = 130
    case outputClosed = 141
    case terminated = 143

    static let documentation = """
        Exit codes: 0 success; 1 destination missing, not a folder or not writable; 2 login failed; 3 access key failed; \
        4 the console answered a download or snapshot with an HTTP error (for sync: some hours failed); \
        5 network failure; 6 unknown or ambiguous camera; \
        7 the console sent something that is not a complete MP4; 8 the console's certificate was rejected; \
        9 a camera has no such channel or package lens; 10 verify found missing or altered files; \
        11 the archive is locked by another protect-dl or its state cannot be used; \
        12 the destination's disk is full; 13 rclone (needed for a remote --dest) is missing; 14 rclone is older than \
        1.60; 15 rclone has no such remote; 16 the remote refused the credentials; 17 the remote failed (unreachable, \
        an upload or a check failed); 18 the archive state belongs to another destination (the remote was emptied \
        or points elsewhere); 19 an alert channel did not take notify test's message; 20 ffmpeg or ffprobe \
        (needed by clip, timelapse and serve) cannot be run; 21 ffmpeg lacks a filter or encoder; 22 ffmpeg could not \
        read an archive file or failed on it; 23 the archive has no footage for part of the range (see --allow-gaps); \
        24 rclone did not answer within --rclone-timeout and was stopped; \
        64 invalid options, times or output template; 70 internal error; \
        78 the configuration file cannot be used (the message names the file, line and key); \
        130 interrupted (Ctrl-C); 141 the output was closed (e.g. piped into head); 143 terminated (SIGTERM) \
        during a one-off command (watch and sync --every stop cleanly on SIGTERM and exit 0).
        """

    /// The one place errors become exit codes. An error no case names is an internal error (70), never a
    /// network failure by default.
    static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case is ValidationError: return .usage
        case is ConfigError: return .config
        case let error as ArchiveError:
            switch error {
            case .destinationMissing, .destinationNotWritable: return .destination
            case .unknownCameras, .ambiguousCamera: return .unknownCamera
            case .streamUnavailable: return .stream
            case .time, .nameCollision: return .usage
            case .downloadFailed(_, let underlying, _): return of(underlying)
            case .imagesFailed(_, let first): return of(first)
            }
        case let error as ProtectError:
            switch error.kind {
            case .loginFailed, .secondFactorRequired, .loginRateLimited: return .login
            case .accessKeyFailed: return .accessKey
            case .httpError, .consoleBusy: return .httpError
            case .network, .generationUnknown, .connectionFailed: return .network
            case .certificateRejected: return .certificate
            case .unexpectedContent, .invalidResponse: return .invalidFile
            }
        case let error as LocalFileError:
            switch error.kind {
            case .diskFull: return .diskFull
            case .notWritable, .other: return .destination
            }
        case is SafePath.Outside: return .destination
        case let error as ViewerServer.StartError:
            switch error {
            case .authenticationRequired: return .usage
            case .cannotListen: return .network
            }
        case let error as RemoteError:
            switch error {
            case .rcloneMissing: return .rcloneMissing
            case .rcloneTooOld: return .rcloneTooOld
            case .unknownRemote: return .unknownRemote
            case .refused: return .remoteRefused
            case .failed: return .remoteFailed
            case .unresponsive: return .rcloneHung
            }
        case is MetricsServer.ListenError: return .usage
        case is MP4Check.Problem: return .invalidFile
        case let error as MediaError:
            switch error {
            case .ffmpegMissing: return .ffmpegMissing
            case .filterMissing: return .ffmpegLacks
            case .damagedInput: return .damagedFootage
            case .failed: return .damagedFootage
            case .footageMissing: return .footageMissing
            case .unknownCamera: return .unknownCamera
            case .remoteArchive, .oneFileForSeveralCameras: return .usage
            }
        case is TemplateError: return .usage
        case StateError.diskFull: return .diskFull
        case StateError.otherDestination: return .otherDestination
        case is StateError: return .state
        case is CancellationError: return .interrupted
        default: return .internalError
        }
    }
}

/// Prints a one-sentence error (after the console's name, when several run) and returns its exit code; never a
/// stack trace.
func fail(_ error: any Error, console: String? = nil) -> ExitCode {
    if let code = error as? ExitCode { return code }
    Console.write("protect-dl: " + (console.map { "[\($0)] " } ?? "") + errorText(error), to: .standardError)
    return ExitCode(ExitStatus.of(error).rawValue)
}

/// The one sentence an error is shown as.
func errorText(_ error: any Error) -> String {
    if ExitStatus.of(error) == .usage, !(error is ValidationError), !(error is ArchiveError),
        !(error is TemplateError), !(error is MediaError), !(error is MetricsServer.ListenError),
        !(error is ViewerServer.StartError)
    {
        // swift-argument-parser's own parse errors.
        return ProtectDL.message(for: error)
    }
    let message =
        (error as? ValidationError)?.message ?? ErrorText.sentence(error)
    // Only an error no case names could carry a source path of the build machine.
    return ExitStatus.of(error) == .internalError
        ? "internal error: " + ErrorText.withoutSourcePaths(message) : message
}

func makeLogger(level: String) -> Logger {
    var logger = Logger(label: "protect-dl") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = Logger.Level(rawValue: level) ?? .warning
    return logger
}
