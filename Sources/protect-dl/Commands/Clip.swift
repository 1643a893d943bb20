import ArgumentParser
import Foundation
import ProtectArchive

/// `protect-dl clip`: one MP4 per camera over an exact range, joined from the archive without re-encoding.
struct Clip: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one MP4 per camera covering a range, joined losslessly from the archive's hour files.",
        discussion: """
            The file starts at the key frame at or before --from (or, with --exact, at --from itself through an MP4 \
            edit list; nothing is re-encoded either way) and ends just before --to; it carries its real start as \
            creation_time and the camera as title. With --grid the chosen cameras are laid side by side in one \
            re-encoded H.264 video over exactly the range, each labelled, all at the same moment; a camera's missing \
            footage shows as a black "no footage" tile; a progress bar with an ETA goes to stderr. As in a plain \
            `ffmpeg -c copy`, a clip's index (moov) comes after its footage unless --faststart. \
            \(ExitStatus.documentation)
            """
    )

    @OptionGroup var clip: ClipOptionGroup
    @Flag(help: "Start the picture at --from itself rather than at the key frame before it.")
    var exact = false
    @Flag(help: "Add a subtitle track (mov_text) with the camera's name and the wall-clock time.")
    var subtitles = false
    @Flag(help: "One re-encoded video with the chosen cameras side by side, labelled and time-synchronised.")
    var grid = false
    @Flag(
        help: """
            Put the file's index (moov) before the footage, for web servers and players that cannot ask for a \
            file's end; one more pass over the file (a --grid video always has it).
            """)
    var faststart = false

    @OptionGroup(title: "Console (for hours the archive lacks)") var connection: ConnectionOptions

    func validate() throws {
        if grid && subtitles {
            throw ValidationError("--grid draws each camera's name in; leave out --subtitles.")
        }
        if connection.address != nil { try connection.require() }
    }

    func run() async throws {
        do {
            try await clip.withArchive { archived, state in
                var request = archived
                request.exact = exact
                request.subtitles = subtitles
                request.faststart = faststart
                try await run(request, state: state)
            }
        } catch {
            throw fail(error)
        }
    }

    /// From the archive alone, or with the console for the hours it lacks.
    func run(_ request: ClipRequest, state: ArchiveState) async throws {
        let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
        guard connection.address != nil else { return try await make(request, state: state, zone: zone) }
        // Hours the archive lacks are exported from the console into a scratch folder, removed at the end.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "protect-dl-clip-\(getpid())-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.destinationNotWritable(scratch.path, reason: error.localizedDescription)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await connection.withClient(logger: makeLogger(level: "error"), quiet: true) { client in
            var fromConsole = request
            fromConsole.console = ConsoleFootage(client: client, folder: scratch)
            try await make(fromConsole, state: state, zone: zone)
        }
    }

    /// Makes the files (or the grid) and says what each holds.
    func make(_ request: ClipRequest, state: ArchiveState, zone: DisplayZone) async throws {
        if grid {
            let bar = ProgressBar("grid")
            let result = try await GridClipJob(request: request).run(state: state) { bar.update($0) }
            Console.write(ClipOptionGroup.summary(result, zone: zone), to: .standardOutput)
            return
        }
        for result in try await ClipJob(request: request).run(state: state) {
            Console.write(ClipOptionGroup.summary(result, zone: zone, noun: "clip"), to: .standardOutput)
        }
    }
}

/// `protect-dl playlist`: an M3U of the archive's files over a range, for VLC or mpv.
struct Playlist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an .m3u8 playlist of the archive's files over a range, in order (nothing is copied).",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var clip: ClipOptionGroup

    func run() async throws {
        do {
            let (folder, state) = try clip.open()
            let request = try clip.request(state: state, destination: folder)
            let results = try PlaylistJob(request: request).run(state: state)
            let zone = DisplayZone.named(try state.meta("timezone") ?? "UTC")
            for result in results {
                Console.write(ClipOptionGroup.summary(result, zone: zone, noun: "playlist"), to: .standardOutput)
            }
        } catch {
            throw fail(error)
        }
    }
}
