import ArgumentParser
import Foundation
import ProtectArchive

/// `protect-dl status`: which hours the archive holds, at a glance.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show, per camera, which hours are archived, not yet verified, empty, failed or missing: a timeline, JSON or an HTML page.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var selection: ConfigSelectionGroup
    @Option(help: "The archive folder, or an rclone remote (remote:path; its state is local).")
    var dest: String
    @OptionGroup var remote: RemoteOptionGroup
    @Option(help: "Comma-separated camera ids or names, or all.")
    var cameras = "all"
    @Flag(help: "The whole picture as one JSON object on stdout.")
    var json = false
    @Option(help: ArgumentHelp("Also write a self-contained HTML page with the timeline to FILE.", valueName: "file"))
    var html: String?
    @Flag(help: "Colour the timeline even when stdout is not a terminal.")
    var colour = false

    func validate() throws {
        if dest.isEmpty { throw ValidationError("--dest is empty; give the archive folder.") }
    }

    func run() async throws {
        do {
            let target = try await remote.open(
                dest, create: false, exclusive: false, logger: makeLogger(level: "warning"))
            if target.remote == nil {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: target.folder.path, isDirectory: &isFolder),
                    isFolder.boolValue
                else { throw ArchiveError.destinationMissing(target.folder.path) }
            }
            let state = try target.state(create: false, exclusive: false)
            let wanted = CameraSelection.tokens(cameras) ?? []
            if json && html == nil {
                // Streamed from the state: a large archive's picture is never all in memory.
                try ArchiveStatus.writeJSON(state: state, cameras: wanted) { piece in
                    guard Console.writeRaw(piece, to: .standardOutput) else {
                        throw ExitCode(ExitStatus.outputClosed.rawValue)
                    }
                }
                Console.writeRaw("\n", to: .standardOutput)
                return
            }
            let status = try ArchiveStatus.load(state: state, cameras: wanted)
            if let html {
                let page = try status.html(
                    title: "protect-dl archive: \(dest)", generatedAt: Int64(Date().timeIntervalSince1970 * 1000))
                // Written beside and renamed into place: never a half page at the name.
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                Console.write(String(decoding: try encoder.encode(status), as: UTF8.self), to: .standardOutput)
            } else {
                let tty = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
                Console.write(status.text(colour: colour || tty), to: .standardOutput)
                let overview = try AlertOverview.load(state: state, now: WallClock.system.now())
                Console.write("\n" + overview.text(), to: .standardOutput)
                if let html { Console.write("The timeline is also in \(html).", to: .standardOutput) }
            }
        } catch {
            throw fail(error)
        }
    }
}

/// `protect-dl completions SHELL`: the completion script for bash, zsh or fish.
struct Completions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the completion script for bash, zsh or fish.",
        discussion: """
            bash: protect-dl completions bash > /etc/bash_completion.d/protect-dl
            zsh:  protect-dl completions zsh > "${fpath[1]}/_protect-dl"
            fish: protect-dl completions fish > ~/.config/fish/completions/protect-dl.fish
            """
    )

    @Argument(help: "bash, zsh or fish.")
    var shell: String

    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil, ["bash", "zsh", "fish"].contains(shell) else {
            throw ValidationError("The shell must be bash, zsh or fish.")
        }
    }

    func run() throws {
        guard let shell = CompletionShell(rawValue: shell) else { return }
        Console.write(ProtectDL.completionScript(for: shell), to: .standardOutput)
    }
}
