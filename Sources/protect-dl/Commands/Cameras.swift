import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// `protect-dl cameras`: what the console has, as a table or JSON.
struct Cameras: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the console's cameras: ids, models, state, recordings, channels, package lens.",
        discussion: ExitStatus.documentation
    )

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "One JSON object per camera, one per line.")
    var json = false
    @Flag(help: "Show times in UTC instead of the console's time zone.")
    var utc = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"

    func validate() throws {
        try connection.require()
    }

    func run() async throws {
        let logger = makeLogger(level: logLevel)
        let bootstrap: Bootstrap
        do {
            bootstrap = try await connection.withClient(logger: logger) { client in try await client.bootstrap() }
        } catch {
            throw fail(error)
        }
        let zone: DisplayZone = utc ? .fixed(seconds: 0) : .named(bootstrap.nvr.timezone ?? "UTC")
        let reporter = Reporter(json: json, quiet: false)
        if json {
            for camera in bootstrap.cameras {
                reporter.emitJSON([
                    "id": .string(camera.id), "name": .string(camera.name),
                    "model": camera.marketName.map { .string($0) } ?? camera.type.map { .string($0) } ?? .null,
                    "type": camera.type.map { .string($0) } ?? .null,
                    "state": camera.state.map { .string($0) } ?? .null,
                    "recordingStart": camera.recordingStart.map { .string(TimeFormatting.iso($0)) } ?? .null,
                    "recordingEnd": camera.recordingEnd.map { .string(TimeFormatting.iso($0)) } ?? .null,
                    "channels": .objects(
                        camera.channels.map { channel in
                            [
                                "id": .int(Int64(channel.id)), "width": channel.width.map { .int(Int64($0)) } ?? .null,
                                "height": channel.height.map { .int(Int64($0)) } ?? .null,
                                "fps": channel.fps.map { .int(Int64($0)) } ?? .null,
                                "enabled": .bool(channel.enabled ?? true),
                            ]
                        }),
                    "packageLens": .bool(camera.lensIDs.contains(2)),
                ])
                if reporter.outputClosed { throw ExitCode(ExitStatus.outputClosed.rawValue) }
            }
            return
        }
        let rows = bootstrap.cameras.map { camera -> [String] in
            let channels = camera.channels.filter { $0.enabled != false }.map { channel in
                "\(channel.id): \(channel.width ?? 0)x\(channel.height ?? 0)@\(channel.fps ?? 0)"
            }
            return [
                camera.name, camera.id, camera.marketName ?? camera.type ?? "-", camera.state ?? "-",
                camera.recordingStart.map { Table.time($0, in: zone) } ?? "-",
                camera.recordingEnd.map { Table.time($0, in: zone) } ?? "-",
                channels.joined(separator: ", "), camera.lensIDs.contains(2) ? "yes" : "-",
            ]
        }
        let zoneName = utc ? "UTC" : bootstrap.nvr.timezone ?? "UTC"
        let table = Table.render(
            ["NAME", "ID", "MODEL", "STATE", "RECORDING FROM", "RECORDING TO", "CHANNELS", "PACKAGE LENS"], rows)
        guard Console.write(table + "\(bootstrap.cameras.count) cameras; times in \(zoneName)", to: .standardOutput)
        else { throw ExitCode(ExitStatus.outputClosed.rawValue) }
    }
}

/// Plain-text tables for terminals.
enum Table {
    static func render(_ headers: [String], _ rows: [[String]]) -> String {
        let cleaned = rows.map { $0.map(clean) }
        var widths = headers.map(\.count)
        for row in cleaned {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ") + "\n"
        }
        return line(headers) + cleaned.map(line).joined()
    }

    /// Control characters would break the table (and the terminal): shown as `?`.
    static func clean(_ text: String) -> String {
        String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }

    static func time(_ milliseconds: Int64, in zone: DisplayZone) -> String {
        let f = TimeFormatting.fields(milliseconds, in: zone)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", f.year, f.month, f.day, f.hour, f.minute, f.second)
    }
}
