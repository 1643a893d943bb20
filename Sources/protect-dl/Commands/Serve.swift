import ArgumentParser
import Foundation
import ProtectArchive

/// `protect-dl serve`: the archive in the browser, read-only.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a read-only viewer of a local archive: timelines, playback across hours, clips.",
        discussion: """
            Loopback addresses need no login; any other address needs --password-file (the page asks for it; \
            scripts may send it as a bearer token). \(ExitStatus.documentation)
            """
    )

    @Option(help: "The local archive folder.")
    var dest: String
    @Option(help: "HOST:PORT to listen on (port 0: any free port, printed).")
    var listen = "127.0.0.1:8080"
    @Option(help: "A file whose first line is the password the viewer asks for.")
    var passwordFile: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"

    func validate() throws {
        guard MetricsServer.Address(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080.")
        }
    }

    func run() async throws {
        // Two malloc arenas, not glibc's eight per core: buffers of many files streamed at once are freed into few
        // arenas and reused. With the viewer's 64 KiB file chunks, four browsers' peak was 49-55 MiB in five runs
        // where it had been 54-69 MiB (the arenas alone lowered it by a few MiB, within the runs' spread).
        MallocArenas.limit(to: 2)
        do {
            guard case .local(let folder) = ArchiveLocation(dest) else { throw MediaError.remoteArchive(dest) }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue
            else { throw ArchiveError.destinationMissing(folder.path) }
            let state = try ArchiveState(destination: folder, create: false, exclusive: false)
            guard let address = MetricsServer.Address(listen) else { return }
            var server = ViewerServer(
                address: address, destination: folder, state: state, logger: makeLogger(level: logLevel))
            if let passwordFile {
                let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
                guard let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty else {
                    throw ValidationError("\(passwordFile) holds no password on its first line.")
                }
                server.password = String(line)
            }
            try await server.withRunning { port in
                Console.write(
                    "The viewer is at http://\(address.host.contains(":") ? "[\(address.host)]" : address.host):\(port)/ "
                        + "(Ctrl-C stops it).", to: .standardOutput)
                // Until Ctrl-C or SIGTERM: the server then stops cleanly and the command ends with 0.
                let (signals, arrived) = AsyncStream.makeStream(of: Void.self)
                let trap = SignalTrap(onSignal: { arrived.finish() })
                defer { trap.stop() }
                for await _ in signals {}
            }
        } catch {
            throw fail(error)
        }
    }
}
